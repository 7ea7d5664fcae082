#!/usr/bin/env python3
"""Fine-tune a ViT-GPT2 image captioner (LoRA or full) and let hpo score its captions.

The GPU example of hpo's command objective (docs/command.md, docs/captioner.md): the
experiment hpo grew from, as a PyTorch script that hpo runs once per trial.

Per trial:
  * model: a VisionEncoderDecoderModel, ViT encoder + GPT-2 decoder: pretrained
    (``--model nlpconnect/vit-gpt2-image-captioning`` or a local folder), or built from a
    config with random weights and a word-level tokenizer from the captions (no download):
    ``--random-init`` is the real size (ViT-base/16 at 224 px, GPT-2 124M), ``--tiny-random``
    a small one for smoke runs;
  * ``--freeze none|encoder|decoder`` names the tower that gets no update at all;
    ``--lora-r N`` (N >= 1) puts LoRA adapters (r, ``--lora-alpha``, ``--lora-dropout``) on
    the attention projections of the towers that train, and only adapters train;
    ``--lora-r 0`` fine-tunes those towers' weights directly;
  * AdamW, gradient clipping at norm 1, ``--schedule cosine`` (linear warm-up over
    ``--warmup-fraction`` of the steps, then cosine to ``--min-lr-ratio`` x lr) or constant;
  * data: the Kaggle "Food Ingredients and Recipes" folder as downloaded (``--data DIR``),
    an image folder plus CSV (``--images``, ``--captions``) or ``--synthetic N`` generated
    plates; split 0.8/0.1/0.1 with ``--seed``;
  * epoch 0 scores the untuned model (the zero-shot row); every epoch reports
    ``train_loss`` and ``val_loss`` and hands the validation captions to hpo, which records
    ``val_bleu1``, ``val_bleu2``, ``val_rougeL``, ``val_meteor`` (``hpo_report.score_captions``);
  * the best validation epoch's weights (by hpo's ``val_meteor``; by ``val_loss`` when not
    run by hpo) are kept, the test split is captioned with them and scored as ``test_*`` at
    that epoch's step, and ``hpo:result`` is that epoch's ``val_meteor``;
  * a checkpoint after every epoch: a retried trial (same params) resumes after its
    predecessor's last finished epoch and re-reports the earlier epochs.

Params come from the arguments (a study templates them: ``--lr {lr}``); an argument left
out falls back to the trial's param of the same name (HPO_PARAMS), then to the default.
SIGTERM (pruned, timed out, hpo stopping) ends the run after the current batch.

Examples::

    # a smoke run anywhere (CPU is fine): tiny random model, generated plates
    python3 caption_lora.py --tiny-random --synthetic 256 --epochs 3 --lr 1e-3

    # the seed's experiment, on a GPU
    python3 caption_lora.py --model nlpconnect/vit-gpt2-image-captioning \\
        --data data/food-ingredients-and-recipe-dataset-with-images --epochs 5 --lr 5e-5 \\
        --lora-r 16 --lora-alpha 32 --lora-dropout 0.05 --freeze encoder --schedule cosine
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from torch.utils.data import DataLoader

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hpo_report as hpo  # noqa: E402  (next to this file; standard library only)
from caption_data import (  # noqa: E402
    CaptionDataset,
    ImageTransform,
    WordTokenizer,
    find_kaggle_layout,
    make_collate,
    read_caption_csv,
    split,
    synthetic_samples,
)
from caption_training import (  # noqa: E402
    CHECKPOINT,
    FREEZE_MODES,
    batches,
    epoch_order,
    find_resume_checkpoint,
    load_trainable_state,
    lora_target_modules,
    make_scheduler,
    restore_rng_state,
    rng_state,
    save_checkpoint,
    select_trainable,
    trainable_state,
    write_checkpoint_meta,
)


# --------------------------------------------------------------------------- arguments


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Arguments, with the trial's params (HPO_PARAMS) as defaults where present."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    data = p.add_argument_group("data")
    data.add_argument("--data", type=Path, help="the unpacked Kaggle Food Ingredients and Recipes folder")
    data.add_argument("--images", type=Path, help="folder of images (with --captions)")
    data.add_argument("--captions", type=Path, help="CSV with an image-name and a caption column")
    data.add_argument("--image-column", default="Image_Name")
    data.add_argument("--caption-column", default="Title")
    data.add_argument("--synthetic", type=int, default=0, help="generate N plates instead")
    data.add_argument("--limit", type=int, default=0, help="use the first N samples only (0: all)")
    data.add_argument("--val-limit", type=int, default=500, help="validation images captioned per epoch")
    data.add_argument("--test-limit", type=int, default=0, help="test images captioned at the end (0: all)")
    model = p.add_argument_group("model")
    model.add_argument("--model", default="nlpconnect/vit-gpt2-image-captioning", help="pretrained model id or folder")
    model.add_argument("--random-init", action="store_true", help="real-size ViT-GPT2 from a config, random weights; no download")
    model.add_argument("--tiny-random", action="store_true", help="small ViT-GPT2 from a config, random weights; no download")
    model.add_argument("--image-size", type=int, default=32, help="image size of --tiny-random")
    model.add_argument("--max-length", type=int, default=32, help="caption tokens kept for training and generated")
    tune = p.add_argument_group("tuned (defaults: the trial's params, then these)")
    tune.add_argument("--lr", type=float, default=hpo.param("lr", 5e-5))
    tune.add_argument("--epochs", type=int, default=hpo.param("epochs", 3))
    tune.add_argument("--lora-r", type=int, default=hpo.param("lora_r", 8), help="0: full fine-tuning, no adapters")
    tune.add_argument("--lora-alpha", type=float, default=hpo.param("lora_alpha", 16))
    tune.add_argument("--lora-dropout", type=float, default=hpo.param("lora_dropout", 0.05))
    tune.add_argument("--freeze", choices=FREEZE_MODES, default=hpo.param("freeze", "encoder"))
    tune.add_argument("--batch-size", type=int, default=hpo.param("batch_size", 16))
    tune.add_argument("--weight-decay", type=float, default=hpo.param("weight_decay", 0.01))
    tune.add_argument("--schedule", choices=("cosine", "constant"), default=hpo.param("schedule", "cosine"))
    tune.add_argument("--warmup-fraction", type=float, default=0.1)
    tune.add_argument("--min-lr-ratio", type=float, default=0.1)
    run = p.add_argument_group("run")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--num-workers", type=int, default=2)
    run.add_argument("--num-beams", type=int, default=1)
    run.add_argument("--device", default=None, help="cuda, cpu, ... (default: cuda when available)")
    run.add_argument("--save-best", action="store_true", help="save the best epoch's trained weights to $HPO_TRIAL_DIR/best.pt")
    run.add_argument("--no-resume", action="store_true", help="ignore checkpoints of earlier runs")
    args = p.parse_args(argv)
    sources = sum([args.synthetic > 0, args.data is not None, args.images is not None or args.captions is not None])
    if sources != 1 or (args.images is None) != (args.captions is None):
        p.error("give one data source: --data DIR (the Kaggle folder), --images with --captions, or --synthetic N")
    if args.freeze not in FREEZE_MODES:  # a default from HPO_PARAMS bypasses `choices`
        p.error(f"--freeze must be one of {', '.join(FREEZE_MODES)}, got {args.freeze!r}")
    if args.lora_r < 0 or args.epochs < 1 or args.batch_size < 1:
        p.error("--lora-r must be 0 or more (0: full fine-tuning), --epochs and --batch-size at least 1")
    if args.random_init and args.tiny_random:
        p.error("--random-init and --tiny-random exclude each other")
    return args


def config_of(args: argparse.Namespace) -> Dict[str, object]:
    """What a checkpoint must match to be resumed: everything that shapes the run."""
    keys = ("lr", "epochs", "lora_r", "lora_alpha", "lora_dropout", "freeze", "batch_size", "weight_decay", "schedule",
            "warmup_fraction", "min_lr_ratio", "seed", "model", "random_init", "tiny_random", "image_size", "max_length",
            "synthetic", "limit", "val_limit")
    config = {k: getattr(args, k) for k in keys}
    for k in ("data", "images", "captions"):
        config[k] = str(getattr(args, k)) if getattr(args, k) is not None else None
    return config


# --------------------------------------------------------------------------- model (Hugging Face)


def build_model(args: argparse.Namespace, train_captions: Sequence[str]):
    """(model, tokenizer, image transform): pretrained, or from a config with random weights."""
    from transformers import GPT2Config, VisionEncoderDecoderConfig, VisionEncoderDecoderModel, ViTConfig

    if args.random_init or args.tiny_random:
        tokenizer = WordTokenizer(train_captions)
        if args.random_init:  # the real size: ViT-base/16 at 224 px and GPT-2 124M (vocabulary of GPT-2's size)
            image_size = 224
            encoder = ViTConfig(image_size=image_size, patch_size=16)
            decoder = GPT2Config(vocab_size=max(50257, len(tokenizer)), n_positions=1024, add_cross_attention=True)
        else:
            image_size = args.image_size
            encoder = ViTConfig(image_size=image_size, patch_size=max(2, image_size // 4), hidden_size=64, num_hidden_layers=2,
                                num_attention_heads=2, intermediate_size=128)
            decoder = GPT2Config(vocab_size=len(tokenizer), n_positions=args.max_length + 8, n_embd=64, n_layer=2, n_head=2,
                                 add_cross_attention=True)
        decoder.bos_token_id, decoder.eos_token_id = tokenizer.bos_token_id, tokenizer.eos_token_id
        model = VisionEncoderDecoderModel(config=VisionEncoderDecoderConfig.from_encoder_decoder_configs(encoder, decoder))
        transform = ImageTransform(image_size)
        start = tokenizer.bos_token_id
    else:
        from transformers import AutoImageProcessor, AutoTokenizer

        model = VisionEncoderDecoderModel.from_pretrained(args.model)
        tokenizer = AutoTokenizer.from_pretrained(args.model)
        transform = ImageTransform.from_processor(AutoImageProcessor.from_pretrained(args.model))
        if tokenizer.pad_token is None:  # GPT-2 has none; padding is masked out of the loss anyway
            tokenizer.pad_token = tokenizer.eos_token
        start = model.config.decoder_start_token_id if model.config.decoder_start_token_id is not None else tokenizer.bos_token_id
    for config in (model.config, model.generation_config):
        config.decoder_start_token_id = start
        config.pad_token_id = tokenizer.pad_token_id
        config.eos_token_id = tokenizer.eos_token_id
    return model, tokenizer, transform


def prepare_training(model, args: argparse.Namespace) -> Tuple[torch.nn.Module, int, int]:
    """LoRA adapters on the training towers' attention projections (r >= 1), or none (r = 0);
    then which weights train. Returns (model to train, trainable, total)."""
    if args.lora_r > 0:
        from peft import LoraConfig, get_peft_model

        targets = lora_target_modules((name for name, _ in model.named_modules()), args.freeze)
        peft_model = get_peft_model(
            model, LoraConfig(r=args.lora_r, lora_alpha=args.lora_alpha, lora_dropout=args.lora_dropout, target_modules=targets)
        )
        model = peft_model.get_base_model()  # the same modules, now holding the adapters
    trainable, total = select_trainable(model, args.freeze, lora=args.lora_r > 0)
    return model, trainable, total


# --------------------------------------------------------------------------- epochs


def loader(dataset, args: argparse.Namespace, collate, order: Optional[List[int]] = None) -> DataLoader:
    """Batches in `order` (a shuffled epoch) or in dataset order (evaluation)."""
    sampler = batches(order if order is not None else list(range(len(dataset))), args.batch_size)
    return DataLoader(dataset, batch_sampler=sampler, num_workers=args.num_workers, collate_fn=collate,
                      pin_memory=args.device_obj.type == "cuda")


@torch.no_grad()
def evaluate(model, data_loader, tokenizer, args, bf16: bool) -> Tuple[float, List[Tuple[str, str]]]:
    """Mean loss over the loader and greedy (or beam) captions: [(prediction, reference)]."""
    model.eval()
    losses: List[float] = []
    cases: List[Tuple[str, str]] = []
    for batch in data_loader:
        pixels = batch["pixel_values"].to(args.device_obj)
        with torch.autocast(device_type=args.device_obj.type, dtype=torch.bfloat16, enabled=bf16):
            losses.append(float(model(pixel_values=pixels, labels=batch["labels"].to(args.device_obj)).loss))
            generated = model.generate(pixel_values=pixels, max_new_tokens=args.max_length, num_beams=args.num_beams)
        predictions = tokenizer.batch_decode(generated, skip_special_tokens=True)
        cases.extend((pred.strip(), ref) for pred, ref in zip(predictions, batch["captions"]))
    return (sum(losses) / len(losses) if losses else math.nan), cases


def train_epoch(model, data_loader, optimizer, scheduler, args, bf16: bool) -> Tuple[float, int, float]:
    """One epoch; returns (mean train loss, images seen, seconds). Stops early on SIGTERM."""
    model.train()
    losses: List[float] = []
    images = 0
    if args.device_obj.type == "cuda":
        torch.cuda.synchronize()
    started = time.perf_counter()
    for batch in data_loader:
        with torch.autocast(device_type=args.device_obj.type, dtype=torch.bfloat16, enabled=bf16):
            loss = model(pixel_values=batch["pixel_values"].to(args.device_obj), labels=batch["labels"].to(args.device_obj)).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(float(loss))
        images += len(batch["captions"])
        if hpo.stop_requested():
            break
    if args.device_obj.type == "cuda":
        torch.cuda.synchronize()
    return (sum(losses) / max(1, len(losses))), images, time.perf_counter() - started


def is_better(score: Optional[Dict[str, float]], loss: float, best: Optional[dict]) -> bool:
    """Best epoch: highest val METEOR as hpo scored it; lowest val loss when nobody scored."""
    if best is None:
        return True
    if score is not None and best.get("meteor") is not None:
        return score["meteor"] > best["meteor"]
    return loss < best["val_loss"]


def report_epoch(epoch: int, metrics: Dict[str, float], cases: List[Tuple[str, str]]) -> Optional[Dict[str, float]]:
    """Losses as named metrics, then the validation captions for hpo to score."""
    hpo.report(metrics, epoch)
    return hpo.score_captions(epoch, "val", cases)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    hpo.handle_sigterm()
    try:
        return run(args)
    except RuntimeError:
        # SIGTERM reaches the whole process group: a DataLoader worker that died of it
        # surfaces here as a RuntimeError. That is a requested stop, not a crash.
        if hpo.stop_requested():
            print("stopped by SIGTERM", flush=True)
            return 0
        raise


def run(args: argparse.Namespace) -> int:
    """One trial: data, model, the epochs (resumed where a predecessor stopped), the test split."""
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    args.device_obj = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    bf16 = args.device_obj.type == "cuda" and torch.cuda.is_bf16_supported()

    if args.synthetic > 0:
        samples = synthetic_samples(args.synthetic, args.seed)
    else:
        csv_path, image_dir = find_kaggle_layout(args.data) if args.data is not None else (args.captions, args.images)
        samples = read_caption_csv(csv_path, image_dir, args.image_column, args.caption_column)
    if args.limit > 0:
        samples = samples[: args.limit]
    train, valid, test = split(samples, args.seed)
    valid = valid[: args.val_limit]
    test = test[: args.test_limit] if args.test_limit > 0 else test
    if not train or not valid or not test:
        raise SystemExit(f"too few samples ({len(samples)}) for a 0.8/0.1/0.1 split")

    model, tokenizer, transform = build_model(args, [caption for _, caption in train])
    model, trainable, total = prepare_training(model, args)
    model.to(args.device_obj)
    device_name = torch.cuda.get_device_name(args.device_obj) if args.device_obj.type == "cuda" else "cpu"
    print(
        f"trial {hpo.trial_number()} on {args.device_obj} ({device_name}): {len(train)}/{len(valid)}/{len(test)} samples, "
        f"{trainable:,} of {total:,} params train (freeze={args.freeze}, "
        f"{'LoRA r=%d alpha=%g dropout=%g' % (args.lora_r, args.lora_alpha, args.lora_dropout) if args.lora_r else 'full fine-tuning'}), "
        f"lr={args.lr} {args.schedule}",
        flush=True,
    )

    collate = make_collate(tokenizer, args.max_length)
    train_set, valid_set, test_set = (CaptionDataset(s, transform, args.seed) for s in (train, valid, test))
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr, weight_decay=args.weight_decay)
    steps_per_epoch = len(batches(list(range(len(train_set))), args.batch_size))
    scheduler = make_scheduler(optimizer, args.schedule, steps_per_epoch * args.epochs, args.warmup_fraction, args.min_lr_ratio)

    trial_dir = hpo.trial_dir()
    config = config_of(args)
    first_epoch, best, history = 0, None, []
    resume = None if args.no_resume else find_resume_checkpoint(trial_dir, hpo.retry_of_dir(), config)
    if resume is not None:
        state = torch.load(resume, map_location="cpu", weights_only=False)  # our own file: random states included
        load_trainable_state(model, state["trainable"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        restore_rng_state(state["rng"])
        first_epoch, best, history = state["epoch"] + 1, state["best"], state["history"]
        print(f"resuming from {resume}: epochs 0-{state['epoch']} done", flush=True)
        # This trial's curves start where its predecessor's did: report the finished epochs again.
        for past in history:
            hpo.report(past["metrics"], past["epoch"])
            hpo.score_captions(past["epoch"], "val", past["cases"])

    for epoch in range(first_epoch, args.epochs + 1):
        metrics: Dict[str, float] = {}
        if epoch > 0:  # epoch 0 is the untuned model: the zero-shot row
            order = epoch_order(len(train_set), args.seed, epoch)
            train_loss, images, seconds = train_epoch(model, loader(train_set, args, collate, order), optimizer, scheduler, args, bf16)
            if hpo.stop_requested():
                print(f"epoch {epoch}: stopped by SIGTERM", flush=True)
                return 0
            metrics["train_loss"] = train_loss
            print(f"epoch {epoch}/{args.epochs}: {images} images in {seconds:.2f}s, {images / seconds:.1f} images/s, "
                  f"{1000 * seconds / max(1, steps_per_epoch):.1f} ms/step", flush=True)
        val_loss, cases = evaluate(model, loader(valid_set, args, collate), tokenizer, args, bf16)
        metrics["val_loss"] = val_loss
        score = report_epoch(epoch, metrics, cases)
        print(f"epoch {epoch}/{args.epochs}: {', '.join(f'{k} {v:.4f}' for k, v in metrics.items())}"
              f"{', val METEOR %.4f' % score['meteor'] if score else ''}; "
              f"e.g. {cases[0][0]!r} for {cases[0][1]!r}", flush=True)
        if is_better(score, val_loss, best):
            best = {"epoch": epoch, "val_loss": val_loss, "meteor": score["meteor"] if score else None, "state": trainable_state(model)}
        history.append({"epoch": epoch, "metrics": metrics, "cases": cases})
        path = save_checkpoint(trial_dir, {"epoch": epoch, "trainable": trainable_state(model), "optimizer": optimizer.state_dict(),
                                           "scheduler": scheduler.state_dict(), "rng": rng_state(), "best": best, "history": history})
        write_checkpoint_meta(path, {"config": config, "epoch": epoch, "finished": False})
        if hpo.stop_requested():
            return 0

    # The kept weights are the best validation epoch's; the test split is scored with them.
    load_trainable_state(model, best["state"])
    if args.save_best:
        torch.save(best["state"], Path(trial_dir) / "best.pt")
    _, test_cases = evaluate(model, loader(test_set, args, collate), tokenizer, args, bf16)
    test_score = hpo.score_captions(best["epoch"], "test", test_cases)
    print(f"best epoch {best['epoch']}: test {', '.join(f'{k} {v:.4f}' for k, v in (test_score or {}).items() if k != 'cases')}", flush=True)
    own = Path(trial_dir) / CHECKPOINT
    if own.is_file():  # a finished trial is never resumed
        write_checkpoint_meta(str(own), {"config": config, "epoch": args.epochs, "finished": True})
    hpo.result(best["meteor"] if best["meteor"] is not None else best["val_loss"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
