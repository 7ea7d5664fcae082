"""Data for caption_lora.py: the Kaggle Food Ingredients and Recipes folder as downloaded,
an image folder plus CSV, or generated plates; the split; images as tensors; a word-level
tokenizer for randomly initialised models. Needs torch (and Pillow for real images), not
transformers.
"""

from __future__ import annotations

import csv
import random
import re
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch

Sample = Tuple[Optional[str], str]  # (image path, or None for a generated plate; caption)

KAGGLE_CSV = "Food Ingredients and Recipe Dataset with Image Name Mapping.csv"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")


# --------------------------------------------------------------------------- Kaggle layout


def find_kaggle_layout(root: Path) -> Tuple[Path, Path]:
    """(CSV, images folder) of the Kaggle download unpacked at ``root``.

    The archive holds ``Food Ingredients and Recipe Dataset with Image Name Mapping.csv`` and
    ``Food Images/Food Images/*.jpg`` (the images one folder deeper than the name says): the
    CSV is that file (or the only ``.csv``), the images folder the one holding images,
    descending through folders that hold just one folder.
    """
    if not root.is_dir():
        raise SystemExit(f"--data {root}: not a folder (give the unpacked Kaggle download)")
    named = root / KAGGLE_CSV
    csvs = [named] if named.is_file() else sorted(p for p in root.iterdir() if p.suffix.lower() == ".csv")
    if len(csvs) != 1:
        found = ", ".join(p.name for p in csvs) or "none"
        raise SystemExit(f"--data {root}: expected {KAGGLE_CSV!r} or exactly one .csv file, found {found}")
    folders = sorted(p for p in root.iterdir() if p.is_dir())
    images = next((p for p in folders if "image" in p.name.lower()), folders[0] if len(folders) == 1 else None)
    if images is None:
        raise SystemExit(f"--data {root}: no images folder (expected 'Food Images')")
    while not _holds_images(images):
        inner = [p for p in images.iterdir() if p.is_dir()]
        if len(inner) != 1:
            raise SystemExit(f"--data {root}: {images} holds no images")
        images = inner[0]
    return csvs[0], images


def _holds_images(folder: Path) -> bool:
    return any(p.suffix.lower() in IMAGE_SUFFIXES for p in folder.iterdir() if p.is_file())


_JUNK_TITLES = {"", "#name?", "nan", "none", "null"}


def usable_title(title: str) -> Optional[str]:
    """The title with whitespace collapsed, or None for junk (empty, ``#NAME?``, ``nan``, no letters)."""
    text = " ".join(title.split())
    if text.lower() in _JUNK_TITLES or not re.search(r"[^\W\d_]", text):
        return None
    return text


def read_caption_csv(csv_path: Path, image_dir: Path, image_column: str = "Image_Name", caption_column: str = "Title") -> List[Sample]:
    """Rows with a usable caption whose image exists (``Image_Name`` may lack ``.jpg``); quoted multi-line fields are fine."""
    samples: List[Sample] = []
    with open(csv_path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        for column in (image_column, caption_column):
            if reader.fieldnames is None or column not in reader.fieldnames:
                raise SystemExit(f"{csv_path}: no column {column!r} (columns: {reader.fieldnames})")
        for row in reader:
            name = (row.get(image_column) or "").strip()
            caption = usable_title(row.get(caption_column) or "")
            if not name or caption is None:
                continue
            path = image_dir / name
            if not path.is_file():
                path = image_dir / f"{name}.jpg"
            if path.is_file():
                samples.append((str(path), caption))
    if not samples:
        raise SystemExit(f"{csv_path}: no row with a usable caption and an existing image in {image_dir}")
    return samples


# --------------------------------------------------------------------------- generated plates

COLORS: Dict[str, Tuple[float, float, float]] = {
    "red": (0.9, 0.1, 0.1),
    "green": (0.1, 0.8, 0.2),
    "blue": (0.1, 0.2, 0.9),
    "yellow": (0.95, 0.9, 0.1),
    "white": (0.97, 0.97, 0.97),
}
SHAPES = ("square", "bar", "column")


def synthetic_samples(n: int, seed: int) -> List[Sample]:
    """Captions of n generated plates ("a red bar on a blue plate"); images are drawn from them."""
    rng = random.Random(seed)
    samples: List[Sample] = []
    for _ in range(n):
        food, plate = rng.sample(sorted(COLORS), 2)
        samples.append((None, f"a {food} {rng.choice(SHAPES)} on a {plate} plate"))
    return samples


def draw_plate(caption: str, size: int, rng: random.Random) -> torch.Tensor:
    """A 3 x size x size image in [0, 1] showing what a generated caption says."""
    _, food, shape, _, _, plate, _ = caption.split()
    image = torch.tensor(COLORS[plate]).view(3, 1, 1).repeat(1, size, size)
    third = max(1, size // 3)
    h, w = {"square": (third, third), "bar": (max(1, third // 2), 2 * third), "column": (2 * third, max(1, third // 2))}[shape]
    top, left = rng.randrange(0, size - h + 1), rng.randrange(0, size - w + 1)
    image[:, top : top + h, left : left + w] = torch.tensor(COLORS[food]).view(3, 1, 1)
    noise = torch.randn(image.shape, generator=torch.Generator().manual_seed(rng.randrange(2**31)))
    return (image + 0.03 * noise).clamp(0, 1)


def split(samples: Sequence[Sample], seed: int) -> Tuple[List[Sample], List[Sample], List[Sample]]:
    """Train/validation/test, 0.8/0.1/0.1, shuffled with the seed."""
    order = list(range(len(samples)))
    random.Random(seed).shuffle(order)
    n_train, n_val = int(0.8 * len(order)), int(0.1 * len(order))
    pick = lambda idx: [samples[i] for i in idx]  # noqa: E731
    return pick(order[:n_train]), pick(order[n_train : n_train + n_val]), pick(order[n_train + n_val :])


# --------------------------------------------------------------------------- images


class ImageTransform:
    """Image -> normalised tensor: resize to size x size, rescale to [0, 1], (x - mean) / std.

    Randomly initialised models use this one; a pretrained model brings its own processor
    (``from_processor``), so its images are prepared as it was trained.
    """

    def __init__(self, size: int, mean: Sequence[float] = (0.5, 0.5, 0.5), std: Sequence[float] = (0.5, 0.5, 0.5), processor=None) -> None:
        self.size = size
        self.mean = torch.tensor(list(mean)).view(3, 1, 1)
        self.std = torch.tensor(list(std)).view(3, 1, 1)
        self.processor = processor

    @classmethod
    def from_processor(cls, processor) -> "ImageTransform":
        size = processor.size.get("height", 224) if isinstance(processor.size, dict) else int(processor.size)
        return cls(int(size), processor.image_mean, processor.image_std, processor)

    def normalise(self, image: torch.Tensor) -> torch.Tensor:
        return (image - self.mean) / self.std

    def load(self, path: str) -> torch.Tensor:
        from PIL import Image  # only real images need Pillow

        with Image.open(path) as im:
            rgb = im.convert("RGB")
            if self.processor is not None:
                return self.processor(images=rgb, return_tensors="pt").pixel_values[0]
            rgb = rgb.resize((self.size, self.size), Image.BICUBIC)
            data = torch.frombuffer(bytearray(rgb.tobytes()), dtype=torch.uint8).view(self.size, self.size, 3)
            return self.normalise(data.permute(2, 0, 1).float() / 255.0)


class CaptionDataset(torch.utils.data.Dataset):
    """(pixel_values, caption) pairs; images are read (or drawn) and normalised on access."""

    def __init__(self, samples: Sequence[Sample], transform: ImageTransform, seed: int) -> None:
        self.samples = list(samples)
        self.transform = transform
        self.seed = seed

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> Dict[str, object]:
        path, caption = self.samples[index]
        if path is None:
            image = draw_plate(caption, self.transform.size, random.Random(self.seed * 1_000_003 + index))
            pixel_values = self.transform.normalise(image)
        else:
            pixel_values = self.transform.load(path)
        return {"pixel_values": pixel_values, "caption": caption}


def make_collate(tokenizer, max_length: int) -> Callable:
    """Stacks images; captions become labels (tokens + EOS, padding as -100, which the loss ignores)."""

    def collate(batch: List[Dict[str, object]]) -> Dict[str, object]:
        captions = [str(b["caption"]) for b in batch]
        encoded = tokenizer(captions, add_special_tokens=False, truncation=True, max_length=max_length - 1)
        ids = [list(x) + [tokenizer.eos_token_id] for x in encoded["input_ids"]]
        labels = torch.full((len(ids), max(map(len, ids))), -100, dtype=torch.long)
        for i, x in enumerate(ids):
            labels[i, : len(x)] = torch.tensor(x)
        return {"pixel_values": torch.stack([b["pixel_values"] for b in batch]), "labels": labels, "captions": captions}

    return collate


# --------------------------------------------------------------------------- tokenizer


class WordTokenizer:
    """A lower-cased word-level tokenizer over the training captions, for randomly
    initialised models (no download). Speaks the part of the Hugging Face tokenizer API
    this example uses: ``__call__`` (input_ids), ``batch_decode``, ``__len__`` and the
    pad/bos/eos/unk ids.
    """

    SPECIALS = ("[PAD]", "[BOS]", "[EOS]", "[UNK]")
    _WORDS = re.compile(r"\w+|[^\w\s]")

    def __init__(self, captions: Sequence[str]) -> None:
        counts: Dict[str, int] = {}
        for caption in captions:
            for word in self.words(caption):
                counts[word] = counts.get(word, 0) + 1
        # Most frequent first, ties by the word: the same vocabulary from the same captions.
        vocabulary = sorted(counts, key=lambda w: (-counts[w], w))
        self.itos: List[str] = list(self.SPECIALS) + vocabulary
        self.stoi = {w: i for i, w in enumerate(self.itos)}
        self.pad_token_id, self.bos_token_id, self.eos_token_id, self.unk_token_id = 0, 1, 2, 3

    @classmethod
    def words(cls, text: str) -> List[str]:
        return cls._WORDS.findall(text.lower())

    def __len__(self) -> int:
        return len(self.itos)

    def __call__(self, texts: Sequence[str], add_special_tokens: bool = False, truncation: bool = True, max_length: Optional[int] = None) -> Dict[str, List[List[int]]]:
        out = []
        for text in texts:
            ids = [self.stoi.get(w, self.unk_token_id) for w in self.words(text)]
            if add_special_tokens:
                ids = [self.bos_token_id] + ids + [self.eos_token_id]
            if truncation and max_length is not None:
                ids = ids[:max_length]
            out.append(ids)
        return {"input_ids": out}

    def batch_decode(self, sequences, skip_special_tokens: bool = True) -> List[str]:
        texts = []
        for seq in sequences:
            words = []
            for i in (seq.tolist() if hasattr(seq, "tolist") else list(seq)):
                if skip_special_tokens and i < len(self.SPECIALS) and i != self.unk_token_id:
                    continue
                words.append(self.itos[i] if 0 <= i < len(self.itos) else "[UNK]")
            texts.append(" ".join(words))
        return texts
