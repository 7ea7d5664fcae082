"""The pure parts of examples/python/caption_lora.py under real PyTorch: data (the Kaggle
folder as downloaded, CSV, split, tokenizer), the schedule, which weights train, and the
checkpoints a retried trial resumes from. transformers/peft are the test doubles of
hf-stubs/ (on PYTHONPATH), used only where a model is needed.

Run: PYTHONPATH=tests/command/python/hf-stubs:examples/python python3 -m unittest tests/command/python/test_caption_parts.py
"""

import contextlib
import io
import json
import math
import os
import tempfile
import unittest
from pathlib import Path

import torch

import caption_data as data
import caption_training as training


def tiny_model():
    from transformers import GPT2Config, VisionEncoderDecoderConfig, VisionEncoderDecoderModel, ViTConfig

    config = VisionEncoderDecoderConfig.from_encoder_decoder_configs(
        ViTConfig(image_size=8, patch_size=4, hidden_size=8, num_hidden_layers=1), GPT2Config(vocab_size=12, n_embd=8, n_layer=1)
    )
    model = VisionEncoderDecoderModel(config=config)
    for c in (model.config, model.generation_config):
        c.decoder_start_token_id, c.pad_token_id, c.eos_token_id = 1, 0, 2
    return model


class KaggleLayout(unittest.TestCase):
    def setUp(self):
        self.root = Path(tempfile.mkdtemp(prefix="kaggle-"))

    def test_finds_the_csv_and_the_images_one_folder_deeper(self):
        images = self.root / "Food Images" / "Food Images"
        images.mkdir(parents=True)
        (images / "miso-chicken.jpg").write_bytes(b"")
        (self.root / data.KAGGLE_CSV).write_text("Title,Image_Name\n")
        self.assertEqual(data.find_kaggle_layout(self.root), (self.root / data.KAGGLE_CSV, images))

    def test_says_what_is_missing(self):
        (self.root / "a.csv").write_text("")
        (self.root / "b.csv").write_text("")
        with self.assertRaisesRegex(SystemExit, "exactly one .csv file, found a.csv, b.csv"):
            data.find_kaggle_layout(self.root)
        with self.assertRaisesRegex(SystemExit, "not a folder"):
            data.find_kaggle_layout(self.root / "absent")

    def test_reads_rows_with_usable_titles_and_existing_images(self):
        images = self.root / "imgs"
        images.mkdir()
        for name in ("one", "two", "three.jpg"):
            (images / (name if name.endswith(".jpg") else f"{name}.jpg")).write_bytes(b"")
        csv_path = self.root / "recipes.csv"
        csv_path.write_text(
            'Title,Ingredients,Image_Name\n'
            '"Miso  Chicken","a\nmulti-line, quoted field",one\n'
            '#NAME?,x,two\n'
            'nan,x,two\n'
            '1234,x,two\n'
            'Lemon Tart,x,missing-image\n'
            'Pea Soup,x,three.jpg\n',
            encoding="utf-8",
        )
        samples = data.read_caption_csv(csv_path, images)
        self.assertEqual(samples, [(str(images / "one.jpg"), "Miso Chicken"), (str(images / "three.jpg"), "Pea Soup")])


class Split(unittest.TestCase):
    def test_is_80_10_10_and_fixed_by_the_seed(self):
        samples = data.synthetic_samples(100, seed=3)
        train, valid, test = data.split(samples, seed=3)
        self.assertEqual((len(train), len(valid), len(test)), (80, 10, 10))
        self.assertEqual(data.split(samples, seed=3), (train, valid, test))
        self.assertNotEqual(data.split(samples, seed=4)[1], valid)
        self.assertEqual(sorted(train + valid + test), sorted(samples))

    def test_epoch_order_depends_on_seed_and_epoch_only(self):
        self.assertEqual(training.epoch_order(50, 1, 2), training.epoch_order(50, 1, 2))
        self.assertNotEqual(training.epoch_order(50, 1, 2), training.epoch_order(50, 1, 3))
        self.assertEqual(sorted(training.epoch_order(50, 1, 2)), list(range(50)))
        self.assertEqual(training.batches([4, 3, 2, 1, 0], 2), [[4, 3], [2, 1], [0]])


class Tokenizer(unittest.TestCase):
    def test_round_trips_known_words_and_drops_specials(self):
        tok = data.WordTokenizer(["a red bar on a plate", "a blue plate"])
        ids = tok(["A red plate, on a bar"], max_length=10)["input_ids"][0]
        self.assertEqual(tok.batch_decode([[tok.bos_token_id] + ids + [tok.eos_token_id, tok.pad_token_id]]), ["a red plate [UNK] on a bar"])
        self.assertEqual(len(tok), 4 + 6)


class Schedule(unittest.TestCase):
    def test_warm_up_then_cosine_to_the_floor(self):
        total = 100
        factors = [training.lr_factor(s, total, 0.1, 0.1) for s in range(total)]
        self.assertAlmostEqual(factors[0], 0.1)
        self.assertAlmostEqual(factors[9], 1.0)
        self.assertAlmostEqual(factors[10], 1.0)
        self.assertAlmostEqual(factors[-1], 0.1)
        self.assertTrue(all(a >= b for a, b in zip(factors[10:], factors[11:])))
        self.assertTrue(all(a < b for a, b in zip(factors[:9], factors[1:10])))

    def test_the_scheduler_applies_it_per_batch(self):
        param = torch.nn.Parameter(torch.zeros(1))
        optimizer = torch.optim.AdamW([param], lr=0.5)
        scheduler = training.make_scheduler(optimizer, "cosine", 20, 0.1, 0.1)
        seen = []
        for _ in range(20):
            seen.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            scheduler.step()
        self.assertEqual(seen, [0.5 * training.lr_factor(s, 20, 0.1, 0.1) for s in range(20)])
        constant = training.make_scheduler(torch.optim.AdamW([param], lr=0.5), "constant", 20, 0.1, 0.1)
        self.assertEqual(constant.get_last_lr(), [0.5])


class WhichWeightsTrain(unittest.TestCase):
    def train_step(self, freeze, lora):
        from peft import LoraConfig, get_peft_model

        torch.manual_seed(0)
        model = tiny_model()
        if lora:
            targets = training.lora_target_modules((n for n, _ in model.named_modules()), freeze)
            model = get_peft_model(model, LoraConfig(r=2, lora_alpha=4, target_modules=targets)).get_base_model()
        training.select_trainable(model, freeze, lora)
        before = {n: p.detach().clone() for n, p in model.named_parameters()}
        optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=0.1)
        for _ in range(2):  # two steps: LoRA's B starts at zero, so A moves from the second
            labels = torch.tensor([[3, 4, 2], [5, 2, -100]])
            model(pixel_values=torch.randn(2, 3, 8, 8), labels=labels).loss.backward()
            optimizer.step()
            optimizer.zero_grad()
        return {n: not torch.equal(before[n], p) for n, p in model.named_parameters()}

    def test_lora_targets_only_the_towers_that_train(self):
        names = ["encoder.encoder.layer.0.attention.attention.query", "encoder.encoder.layer.0.attention.attention.value",
                 "decoder.transformer.h.0.attn.c_attn", "decoder.transformer.h.0.crossattention.q_attn", "decoder.lm_head"]
        self.assertEqual(training.lora_target_modules(names, "encoder"), names[2:4])
        self.assertEqual(training.lora_target_modules(names, "decoder"), names[:2])
        self.assertEqual(training.lora_target_modules(names, "none"), names[:4])

    def test_freeze_encoder_gives_the_encoder_no_update_with_lora_or_without(self):
        for lora in (True, False):
            changed = self.train_step("encoder", lora)
            self.assertFalse(any(v for n, v in changed.items() if n.startswith("encoder.")), f"lora={lora}")
            self.assertTrue(any(v for n, v in changed.items() if n.startswith("decoder.")), f"lora={lora}")

    def test_freeze_decoder_trains_only_the_encoder(self):
        for lora in (True, False):
            changed = self.train_step("decoder", lora)
            self.assertFalse(any(v for n, v in changed.items() if n.startswith("decoder.") or n.startswith("enc_to_dec")), f"lora={lora}")
            self.assertTrue(any(v for n, v in changed.items() if n.startswith("encoder.")), f"lora={lora}")

    def test_lora_changes_only_adapters_and_r0_changes_base_weights(self):
        lora = self.train_step("none", True)
        self.assertTrue(all(("lora_" in n) or not v for n, v in lora.items()))
        self.assertTrue(any(v for n, v in lora.items() if "lora_" in n))
        full = self.train_step("none", False)
        self.assertTrue(full["encoder.encoder.layer.0.attention.attention.query.weight"])
        self.assertTrue(full["decoder.lm_head.weight"])

    def test_trainable_state_round_trips_and_names_unknown_weights(self):
        model = tiny_model()
        training.select_trainable(model, "encoder", lora=False)
        state = training.trainable_state(model)
        self.assertTrue(all(not n.startswith("encoder.") for n in state))
        other = tiny_model()
        training.load_trainable_state(other, state)
        self.assertTrue(torch.equal(other.decoder.lm_head.weight, model.decoder.lm_head.weight))
        with self.assertRaisesRegex(RuntimeError, "lacks"):
            training.load_trainable_state(other, {"decoder.nope": torch.zeros(1)})


class Checkpoints(unittest.TestCase):
    def setUp(self):
        self.study = Path(tempfile.mkdtemp(prefix="study-"))
        self.config = {"lr": 0.01, "freeze": "encoder"}

    def checkpoint(self, trial, config, finished=False, epoch=1):
        path = training.save_checkpoint(str(self.study / trial), {"epoch": epoch})
        training.write_checkpoint_meta(path, {"config": config, "epoch": epoch, "finished": finished})
        return path

    def test_a_new_trial_resumes_the_newest_unfinished_sibling_with_its_config(self):
        me = str(self.study / "trial-5")
        self.assertIsNone(training.find_resume_checkpoint(me, None, self.config))
        self.checkpoint("trial-1", {"lr": 0.02, "freeze": "encoder"})
        self.checkpoint("trial-2", self.config, finished=True)
        self.assertIsNone(training.find_resume_checkpoint(me, None, self.config))
        older = self.checkpoint("trial-3", self.config)
        os.utime(older, (1, 1))
        newer = self.checkpoint("trial-4", self.config)
        self.assertEqual(training.find_resume_checkpoint(me, None, self.config), newer)
        own = self.checkpoint("trial-5", self.config)
        self.assertEqual(training.find_resume_checkpoint(me, None, self.config), own)
        self.assertEqual(training.find_resume_checkpoint(me, str(self.study / "trial-3"), self.config), older)

    def test_a_checkpoint_is_replaced_whole(self):
        path = self.checkpoint("trial-0", self.config, epoch=1)
        self.checkpoint("trial-0", self.config, epoch=2)
        self.assertEqual(torch.load(path)["epoch"], 2)
        self.assertFalse(os.path.exists(f"{path}.tmp"))
        self.assertEqual(json.loads(Path(f"{path}.json").read_text())["epoch"], 2)

    def test_rng_state_round_trips(self):
        state = training.rng_state()
        a = torch.rand(3)
        training.restore_rng_state(state)
        self.assertTrue(torch.equal(torch.rand(3), a))


class Arguments(unittest.TestCase):
    def test_lora_r_0_is_full_fine_tuning_and_one_data_source_is_required(self):
        import caption_lora

        args = caption_lora.parse_args(["--synthetic", "10", "--lora-r", "0", "--freeze", "decoder"])
        self.assertEqual((args.lora_r, args.freeze), (0, "decoder"))
        for argv in (["--synthetic", "10", "--data", "x"], ["--lora-r", "1"], ["--synthetic", "10", "--lora-r", "-1"]):
            with contextlib.redirect_stderr(io.StringIO()) as err, self.assertRaises(SystemExit):
                caption_lora.parse_args(argv)
            self.assertRegex(err.getvalue(), "give one data source|--lora-r must be 0 or more")


if __name__ == "__main__":
    unittest.main()
