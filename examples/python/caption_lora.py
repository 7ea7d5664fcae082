#!/usr/bin/env python3
"""Fine-tune a ViT-GPT2 image captioner with LoRA and report METEOR per epoch to hpo.

The GPU example of hpo's command objective (see docs/command.md): the workflow hpo grew
from, a PyTorch script that hpo tunes unchanged but for the ``hpo:report`` / ``hpo:result``
lines that ``hpo_report`` prints. CI does not run it: it needs torch, transformers and peft
(and, for real training, a GPU).

What it does:
  * a VisionEncoderDecoderModel: ViT encoder + GPT-2 decoder (pretrained, e.g.
    nlpconnect/vit-gpt2-image-captioning, or ``--tiny-random``: a small randomly
    initialised configuration with a word-level tokenizer built from the captions, which
    needs no download at all);
  * LoRA adapters (peft) on the attention projections: ``--lora-r``, ``--lora-alpha``,
    ``--lora-dropout``; the adapters always train;
  * ``--freeze``: which base weights stay fixed besides: ``none`` (full fine-tuning plus
    adapters), ``encoder``, ``decoder``, or ``all`` (adapters only);
  * data: an image folder plus a CSV (the Food Ingredients and Recipes layout: ``Title``
    and ``Image_Name`` columns, images named ``<Image_Name>.jpg``), or ``--synthetic N``
    generated plates ("a red square on a blue plate"); split 0.8/0.1/0.1 with ``--seed``;
  * after each epoch: greedy captions for the validation split, mean METEOR (nltk's, when
    nltk and its WordNet data are installed; else the same formula with exact word matches
    only, which scores at or below nltk's), ``hpo:report {"step": epoch, "metrics": {"train_loss": ..., "meteor": ...}}``;
    at the end ``hpo:result`` with the best epoch's METEOR (so the study maximises).

Params come from the arguments (a study templates them: ``--lr {lr}``); an argument left
out falls back to the trial's param of the same name (HPO_PARAMS), then to the default.
SIGTERM (pruned, timed out, hpo stopping) ends the run after the current batch.

Examples::

    # a smoke run anywhere (CPU is fine): tiny random model, synthetic plates
    python3 caption_lora.py --tiny-random --synthetic 256 --epochs 3 --lr 1e-3

    # the real thing, on a GPU
    python3 caption_lora.py --model nlpconnect/vit-gpt2-image-captioning \\
        --images data/Food_Images --captions data/food.csv --epochs 5 --lr 5e-5 \\
        --lora-r 16 --lora-alpha 32 --lora-dropout 0.05 --freeze encoder
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import re
import sys
import time
import warnings
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch
from peft import LoraConfig, get_peft_model
from torch.utils.data import DataLoader, Dataset
from transformers import (
    AutoImageProcessor,
    AutoTokenizer,
    GPT2Config,
    PreTrainedTokenizerFast,
    VisionEncoderDecoderConfig,
    VisionEncoderDecoderModel,
    ViTConfig,
    ViTImageProcessor,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hpo_report as hpo  # noqa: E402  (next to this file; standard library only)

FREEZE_MODES = ("none", "encoder", "decoder", "all")
# Attention projections: ViT's query/value (nn.Linear), GPT-2's fused c_attn and the
# cross-attention's q_attn (Conv1D; peft handles their transposed weights itself).
LORA_TARGETS = ["query", "value", "c_attn", "q_attn"]


# --------------------------------------------------------------------------- arguments


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Arguments, with the trial's params (HPO_PARAMS) as defaults where present."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    data = p.add_argument_group("data")
    data.add_argument("--images", type=Path, help="folder of images")
    data.add_argument("--captions", type=Path, help="CSV with an image-name and a caption column")
    data.add_argument("--image-column", default="Image_Name")
    data.add_argument("--caption-column", default="Title")
    data.add_argument("--synthetic", type=int, default=0, help="generate N synthetic plates instead")
    data.add_argument("--val-limit", type=int, default=500, help="validation images scored per epoch (speed)")
    model = p.add_argument_group("model")
    model.add_argument("--model", default="nlpconnect/vit-gpt2-image-captioning", help="pretrained model id or path")
    model.add_argument("--tiny-random", action="store_true", help="small random ViT-GPT2; no download")
    model.add_argument("--image-size", type=int, default=32, help="image size of --tiny-random")
    model.add_argument("--max-length", type=int, default=32, help="caption tokens kept for training and generated")
    tune = p.add_argument_group("tuned (defaults: the trial's params, then these)")
    tune.add_argument("--lr", type=float, default=hpo.param("lr", 5e-5))
    tune.add_argument("--epochs", type=int, default=hpo.param("epochs", 3))
    tune.add_argument("--lora-r", type=int, default=hpo.param("lora_r", 8))
    tune.add_argument("--lora-alpha", type=float, default=hpo.param("lora_alpha", 16))
    tune.add_argument("--lora-dropout", type=float, default=hpo.param("lora_dropout", 0.05))
    tune.add_argument("--freeze", choices=FREEZE_MODES, default=hpo.param("freeze", "none"))
    tune.add_argument("--batch-size", type=int, default=hpo.param("batch_size", 16))
    tune.add_argument("--weight-decay", type=float, default=hpo.param("weight_decay", 0.0))
    run = p.add_argument_group("run")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--num-workers", type=int, default=2)
    run.add_argument("--num-beams", type=int, default=1)
    run.add_argument("--save-best", action="store_true", help="save the best epoch's weights to $HPO_TRIAL_DIR/best.pt")
    args = p.parse_args(argv)
    if args.synthetic <= 0 and (args.images is None or args.captions is None):
        p.error("give --images and --captions, or --synthetic N")
    if args.freeze not in FREEZE_MODES:  # a default from HPO_PARAMS bypasses `choices`
        p.error(f"--freeze must be one of {', '.join(FREEZE_MODES)}, got {args.freeze!r}")
    if args.lora_r < 1 or args.epochs < 1 or args.batch_size < 1:
        p.error("--lora-r, --epochs and --batch-size must be at least 1")
    return args


# --------------------------------------------------------------------------- data

Sample = Tuple[Optional[str], str]  # (image path, or None for a synthetic plate; caption)


def read_caption_csv(csv_path: Path, image_dir: Path, image_column: str, caption_column: str) -> List[Sample]:
    """Rows whose caption is non-empty and whose image exists (Image_Name may lack '.jpg')."""
    samples: List[Sample] = []
    with open(csv_path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        for column in (image_column, caption_column):
            if reader.fieldnames is None or column not in reader.fieldnames:
                raise SystemExit(f"{csv_path}: no column {column!r} (columns: {reader.fieldnames})")
        for row in reader:
            name = (row.get(image_column) or "").strip()
            caption = " ".join((row.get(caption_column) or "").split())
            if not name or not caption:
                continue
            path = image_dir / name
            if not path.is_file():
                path = image_dir / f"{name}.jpg"
            if path.is_file():
                samples.append((str(path), caption))
    if not samples:
        raise SystemExit(f"{csv_path}: no row with a caption and an existing image in {image_dir}")
    return samples


COLORS: Dict[str, Tuple[float, float, float]] = {
    "red": (0.9, 0.1, 0.1),
    "green": (0.1, 0.8, 0.2),
    "blue": (0.1, 0.2, 0.9),
    "yellow": (0.95, 0.9, 0.1),
    "white": (0.97, 0.97, 0.97),
}
SHAPES = ("square", "bar", "column")


def synthetic_samples(n: int, seed: int) -> List[Sample]:
    """Captions of n generated plates; the image is drawn from the caption when loaded."""
    rng = random.Random(seed)
    samples: List[Sample] = []
    for _ in range(n):
        food, plate = rng.sample(sorted(COLORS), 2)
        samples.append((None, f"a {food} {rng.choice(SHAPES)} on a {plate} plate"))
    return samples


def draw_plate(caption: str, size: int, rng: random.Random) -> torch.Tensor:
    """A 3 x size x size image in [0, 1] showing what the synthetic caption says."""
    _, food, shape, _, _, plate, _ = caption.split()
    image = torch.tensor(COLORS[plate]).view(3, 1, 1).repeat(1, size, size)
    third = max(1, size // 3)
    h, w = {"square": (third, third), "bar": (max(1, third // 2), 2 * third), "column": (2 * third, max(1, third // 2))}[shape]
    top, left = rng.randrange(0, size - h + 1), rng.randrange(0, size - w + 1)
    image[:, top : top + h, left : left + w] = torch.tensor(COLORS[food]).view(3, 1, 1)
    return (image + 0.03 * torch.randn(image.shape, generator=torch.Generator().manual_seed(rng.randrange(2**31)))).clamp(0, 1)


def split(samples: List[Sample], seed: int) -> Tuple[List[Sample], List[Sample], List[Sample]]:
    """Train/validation/test, 0.8/0.1/0.1, shuffled with the seed."""
    order = list(range(len(samples)))
    random.Random(seed).shuffle(order)
    n_train, n_val = int(0.8 * len(order)), int(0.1 * len(order))
    pick = lambda idx: [samples[i] for i in idx]  # noqa: E731
    return pick(order[:n_train]), pick(order[n_train : n_train + n_val]), pick(order[n_train + n_val :])


class CaptionDataset(Dataset):
    """(pixel_values, caption) pairs; images are read (or drawn) and normalised on access."""

    def __init__(self, samples: List[Sample], processor: ViTImageProcessor, size: int, seed: int) -> None:
        self.samples = samples
        self.processor = processor
        self.size = size
        self.seed = seed
        self.mean = torch.tensor(processor.image_mean).view(3, 1, 1)
        self.std = torch.tensor(processor.image_std).view(3, 1, 1)

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> Dict[str, object]:
        path, caption = self.samples[index]
        if path is None:
            image = draw_plate(caption, self.size, random.Random(self.seed * 1_000_003 + index))
            pixel_values = (image - self.mean) / self.std
        else:
            from PIL import Image  # only the image-folder mode needs Pillow

            with Image.open(path) as im:
                pixel_values = self.processor(images=im.convert("RGB"), return_tensors="pt").pixel_values[0]
        return {"pixel_values": pixel_values, "caption": caption}


def make_collate(tokenizer: PreTrainedTokenizerFast, max_length: int) -> Callable:
    """Stacks images; captions become labels (tokens + EOS, padding as -100, ignored by the loss)."""

    def collate(batch: List[Dict[str, object]]) -> Dict[str, object]:
        captions = [str(b["caption"]) for b in batch]
        encoded = tokenizer(captions, add_special_tokens=False, truncation=True, max_length=max_length - 1)
        ids = [list(x) + [tokenizer.eos_token_id] for x in encoded["input_ids"]]
        labels = torch.full((len(ids), max(map(len, ids))), -100, dtype=torch.long)
        for i, x in enumerate(ids):
            labels[i, : len(x)] = torch.tensor(x)
        return {"pixel_values": torch.stack([b["pixel_values"] for b in batch]), "labels": labels, "captions": captions}

    return collate


# --------------------------------------------------------------------------- model


def word_level_tokenizer(captions: Sequence[str]) -> PreTrainedTokenizerFast:
    """A lower-cased word-level tokenizer over the captions (no download)."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

    core = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    core.normalizer = normalizers.Lowercase()
    core.pre_tokenizer = pre_tokenizers.Whitespace()
    core.train_from_iterator(captions, trainers.WordLevelTrainer(special_tokens=["[PAD]", "[BOS]", "[EOS]", "[UNK]"]))
    return PreTrainedTokenizerFast(tokenizer_object=core, pad_token="[PAD]", bos_token="[BOS]", eos_token="[EOS]", unk_token="[UNK]")


def tiny_random_model(tokenizer: PreTrainedTokenizerFast, image_size: int, max_length: int) -> VisionEncoderDecoderModel:
    """A small randomly initialised ViT-GPT2 (2+2 layers, width 64)."""
    encoder = ViTConfig(
        image_size=image_size,
        patch_size=max(2, image_size // 4),
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=128,
    )
    decoder = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=max_length + 8,
        n_embd=64,
        n_layer=2,
        n_head=2,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    return VisionEncoderDecoderModel(config=VisionEncoderDecoderConfig.from_encoder_decoder_configs(encoder, decoder))


def load_model(args: argparse.Namespace, train_captions: Sequence[str]):
    """Model, tokenizer and image processor: pretrained, or tiny and random."""
    if args.tiny_random:
        tokenizer = word_level_tokenizer(train_captions)
        model = tiny_random_model(tokenizer, args.image_size, args.max_length)
        processor = ViTImageProcessor(size={"height": args.image_size, "width": args.image_size}, image_mean=[0.5] * 3, image_std=[0.5] * 3)
        start = tokenizer.bos_token_id
    else:
        model = VisionEncoderDecoderModel.from_pretrained(args.model)
        tokenizer = AutoTokenizer.from_pretrained(args.model)
        processor = AutoImageProcessor.from_pretrained(args.model)
        if tokenizer.pad_token is None:  # GPT-2 has none; padding is masked out of the loss anyway
            tokenizer.pad_token = tokenizer.eos_token
        start = model.config.decoder_start_token_id if model.config.decoder_start_token_id is not None else tokenizer.bos_token_id
    for config in (model.config, model.generation_config):
        config.decoder_start_token_id = start
        config.pad_token_id = tokenizer.pad_token_id
        config.eos_token_id = tokenizer.eos_token_id
    return model, tokenizer, processor


def add_lora(model: VisionEncoderDecoderModel, args: argparse.Namespace):
    """LoRA adapters on the attention projections; then the freeze mode decides which base weights train."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*fan_in_fan_out.*")
        peft_model = get_peft_model(
            model,
            LoraConfig(r=args.lora_r, lora_alpha=args.lora_alpha, lora_dropout=args.lora_dropout, target_modules=LORA_TARGETS),
        )
    base = peft_model.get_base_model()  # the same modules, now holding the adapters
    for name, param in base.named_parameters():
        if "lora_" in name:
            param.requires_grad = True
            continue
        side = "encoder" if name.startswith("encoder.") else "decoder"  # enc_to_dec_proj feeds the decoder
        param.requires_grad = args.freeze == "none" or (args.freeze == "encoder" and side == "decoder") or (
            args.freeze == "decoder" and side == "encoder"
        )
    return base


# --------------------------------------------------------------------------- METEOR

_WORDS = re.compile(r"\w+|[^\w\s]")


def simple_tokenize(text: str) -> List[str]:
    return _WORDS.findall(text.lower())


def _count_chunks(matches: List[Tuple[int, int]]) -> int:
    """Runs of matches adjacent in both sentences (nltk's _count_chunks)."""
    chunks, i = 1, 0
    while i < len(matches) - 1:
        if not (matches[i + 1][0] == matches[i][0] + 1 and matches[i + 1][1] == matches[i][1] + 1):
            chunks += 1
        i += 1
    return chunks


def exact_meteor(reference: List[str], hypothesis: List[str], alpha: float = 0.9, beta: float = 3.0, gamma: float = 0.5) -> float:
    """nltk's single_meteor_score with its exact-match stage only (no stems, no synonyms)."""
    hyp = list(enumerate(hypothesis))
    ref = list(enumerate(reference))
    matches: List[Tuple[int, int]] = []
    for i in range(len(hyp) - 1, -1, -1):  # nltk's _match_enums: from the end, first hit wins
        for j in range(len(ref) - 1, -1, -1):
            if hyp[i][1] == ref[j][1]:
                matches.append((hyp[i][0], ref[j][0]))
                hyp.pop(i)
                ref.pop(j)
                break
    matches.sort(key=lambda m: m[0])
    if not matches or not hypothesis or not reference:
        return 0.0
    precision = len(matches) / len(hypothesis)
    recall = len(matches) / len(reference)
    fmean = precision * recall / (alpha * precision + (1 - alpha) * recall)
    penalty = gamma * (_count_chunks(matches) / len(matches)) ** beta
    return (1 - penalty) * fmean


def meteor_scorer() -> Tuple[str, Callable[[str, str], float]]:
    """nltk's METEOR when nltk and its WordNet data are installed; else exact-match METEOR."""
    try:
        from nltk.corpus import wordnet
        from nltk.translate.meteor_score import meteor_score

        wordnet.ensure_loaded()
        try:
            from nltk.tokenize import word_tokenize

            word_tokenize("a plate")
            tokenize: Callable[[str], List[str]] = lambda s: word_tokenize(s.lower())  # noqa: E731
        except LookupError:  # no punkt data
            tokenize = simple_tokenize
        return "nltk meteor_score", lambda ref, hyp: float(meteor_score([tokenize(ref)], tokenize(hyp)))
    except (ImportError, LookupError):
        return "exact-match METEOR (nltk or WordNet missing)", lambda ref, hyp: exact_meteor(simple_tokenize(ref), simple_tokenize(hyp))


# --------------------------------------------------------------------------- training


@torch.no_grad()
def validation_meteor(model, loader, tokenizer, device, max_new_tokens: int, num_beams: int, score) -> Tuple[float, str]:
    """Mean METEOR of greedy (or beam) captions over the loader; also one example caption."""
    model.eval()
    scores: List[float] = []
    example = ""
    for batch in loader:
        generated = model.generate(pixel_values=batch["pixel_values"].to(device), max_new_tokens=max_new_tokens, num_beams=num_beams)
        predictions = tokenizer.batch_decode(generated, skip_special_tokens=True)
        for prediction, reference in zip(predictions, batch["captions"]):
            scores.append(score(reference, prediction.strip()))
        example = example or f"{predictions[0].strip()!r} for {batch['captions'][0]!r}"
    return (sum(scores) / len(scores) if scores else 0.0), example


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    hpo.handle_sigterm()
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    bf16 = device.type == "cuda" and torch.cuda.is_bf16_supported()

    samples = synthetic_samples(args.synthetic, args.seed) if args.synthetic > 0 else read_caption_csv(
        args.captions, args.images, args.image_column, args.caption_column
    )
    train, valid, test = split(samples, args.seed)
    valid = valid[: args.val_limit]
    if not train or not valid:
        raise SystemExit(f"too few samples ({len(samples)}) for a 0.8/0.1/0.1 split")
    model, tokenizer, processor = load_model(args, [caption for _, caption in train])
    model = add_lora(model, args).to(device)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    metric_name, score = meteor_scorer()
    print(
        f"trial {hpo.trial_number()} on {device} ({torch.cuda.get_device_name(device) if device.type == 'cuda' else 'cpu'}): "
        f"{len(train)}/{len(valid)}/{len(test)} samples, {trainable:,} of {total:,} params train "
        f"(freeze={args.freeze}, LoRA r={args.lora_r} alpha={args.lora_alpha} dropout={args.lora_dropout}), "
        f"lr={args.lr}, {metric_name}",
        flush=True,
    )

    size = args.image_size if args.tiny_random else int(processor.size.get("height", 224))
    collate = make_collate(tokenizer, args.max_length)
    loader = lambda data, shuffle: DataLoader(  # noqa: E731
        CaptionDataset(data, processor, size, args.seed),
        batch_size=args.batch_size,
        shuffle=shuffle,
        num_workers=args.num_workers,
        collate_fn=collate,
        pin_memory=device.type == "cuda",
        generator=torch.Generator().manual_seed(args.seed),
    )
    train_loader, valid_loader = loader(train, True), loader(valid, False)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr, weight_decay=args.weight_decay)

    try:
        return train_and_report(args, model, tokenizer, optimizer, train_loader, valid_loader, device, bf16, score)
    except RuntimeError:
        # SIGTERM reaches the whole process group: a DataLoader worker that died of it
        # surfaces here as a RuntimeError. That is a requested stop, not a crash.
        if hpo.stop_requested():
            print("stopped by SIGTERM", flush=True)
            return 0
        raise


def train_and_report(args, model, tokenizer, optimizer, train_loader, valid_loader, device, bf16: bool, score) -> int:
    """The epochs: train, score METEOR on validation, report; then the result (best METEOR)."""
    best = -math.inf
    for epoch in range(1, args.epochs + 1):
        model.train()
        started, losses = time.time(), []
        for batch in train_loader:
            with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=bf16):
                loss = model(pixel_values=batch["pixel_values"].to(device), labels=batch["labels"].to(device)).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            losses.append(loss.item())
            if hpo.stop_requested():
                break
        if hpo.stop_requested():
            print(f"epoch {epoch}: stopped by SIGTERM", flush=True)
            return 0
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=bf16):
            meteor, example = validation_meteor(model, valid_loader, tokenizer, device, args.max_length, args.num_beams, score)
        print(
            f"epoch {epoch}/{args.epochs}: train loss {sum(losses) / max(1, len(losses)):.4f}, "
            f"validation METEOR {meteor:.4f}, {time.time() - started:.1f}s; e.g. {example}",
            flush=True,
        )
        # Every metric by name; the study's pruner watches "meteor" (its `metric` option).
        hpo.report({"train_loss": sum(losses) / max(1, len(losses)), "meteor": meteor}, epoch)
        if meteor > best:
            best = meteor
            if args.save_best:
                torch.save(model.state_dict(), Path(hpo.trial_dir()) / "best.pt")
    hpo.result(best)
    return 0


if __name__ == "__main__":
    sys.exit(main())
