"""Training parts of caption_lora.py that need torch but not transformers: which weights
train (freeze modes, LoRA or full fine-tuning), the learning-rate schedule, and the
checkpoint a retried trial resumes from.
"""

from __future__ import annotations

import json
import math
import os
import random
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import torch

FREEZE_MODES = ("none", "encoder", "decoder")
# Attention projections: ViT's query/value (nn.Linear), GPT-2's fused c_attn and the
# cross-attention's q_attn (Conv1D; peft handles their transposed weights itself).
LORA_TARGETS = ("query", "value", "c_attn", "q_attn")
CHECKPOINT = "checkpoint.pt"


# --------------------------------------------------------------------------- which weights train


def tower_of(name: str) -> str:
    """The tower a parameter or module belongs to: ``encoder`` (the ViT) or ``decoder``
    (GPT-2, its cross-attention and the encoder-to-decoder projection, which feed it)."""
    return "encoder" if name.startswith("encoder.") or name == "encoder" else "decoder"


def trains(tower: str, freeze: str) -> bool:
    """Whether a tower trains under a freeze mode: ``freeze`` names the tower that stays fixed."""
    return freeze == "none" or freeze != tower


def lora_target_modules(module_names: Iterable[str], freeze: str) -> List[str]:
    """Full names of the attention projections that get LoRA adapters: those of the towers
    that train. A frozen tower gets none, so it receives no update at all."""
    return [n for n in module_names if n.rsplit(".", 1)[-1] in LORA_TARGETS and trains(tower_of(n), freeze)]


def select_trainable(model: torch.nn.Module, freeze: str, lora: bool) -> Tuple[int, int]:
    """Sets requires_grad: with LoRA only the adapters train (they sit only in training
    towers); without, every weight of the training towers does. Returns (trainable, total)."""
    trainable = total = 0
    for name, param in model.named_parameters():
        if lora:
            param.requires_grad = "lora_" in name
        else:
            param.requires_grad = trains(tower_of(name), freeze)
        total += param.numel()
        trainable += param.numel() if param.requires_grad else 0
    return trainable, total


def trainable_state(model: torch.nn.Module) -> Dict[str, torch.Tensor]:
    """Copies (on the CPU) of the weights that train: all a checkpoint or best epoch needs."""
    return {n: p.detach().to("cpu", copy=True) for n, p in model.named_parameters() if p.requires_grad}


def load_trainable_state(model: torch.nn.Module, state: Dict[str, torch.Tensor]) -> None:
    """Puts saved trainable weights back; a name the model lacks is an error, not a silent skip."""
    params = dict(model.named_parameters())
    unknown = sorted(set(state) - set(params))
    if unknown:
        raise RuntimeError(f"checkpoint holds weights this model lacks: {unknown[:3]}")
    with torch.no_grad():
        for name, value in state.items():
            params[name].copy_(value.to(params[name].device))


# --------------------------------------------------------------------------- schedule


def lr_factor(step: int, total_steps: int, warmup_fraction: float = 0.1, min_ratio: float = 0.1) -> float:
    """Warm-up then cosine: linear from 1/warmup to 1 over the first ``warmup_fraction`` of the
    steps, then cosine down to ``min_ratio`` at the last step (the TypeScript captioner's schedule)."""
    warmup = max(1, int(round(warmup_fraction * total_steps))) if warmup_fraction > 0 else 0
    if step < warmup:
        return (step + 1) / warmup
    span = max(1, total_steps - warmup - 1)
    progress = min(1.0, (step - warmup) / span)
    return min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * progress))


def make_scheduler(optimizer: torch.optim.Optimizer, schedule: str, total_steps: int, warmup_fraction: float, min_ratio: float):
    """``constant`` or ``cosine`` (warm-up + cosine) as a LambdaLR stepped once per batch."""
    if schedule == "constant":
        return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0)
    if schedule == "cosine":
        return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: lr_factor(step, total_steps, warmup_fraction, min_ratio))
    raise ValueError(f"--schedule must be constant or cosine, got {schedule!r}")


# --------------------------------------------------------------------------- checkpoints


def save_checkpoint(folder: str, state: dict) -> str:
    """Writes ``checkpoint.pt`` atomically (a kill -9 mid-write leaves the previous one whole)."""
    os.makedirs(folder, exist_ok=True)
    target = os.path.join(folder, CHECKPOINT)
    tmp = f"{target}.tmp"
    torch.save(state, tmp)
    os.replace(tmp, target)
    return target


def rng_state() -> dict:
    """Every random state training draws from, so a resumed run continues the same streams."""
    state = {"python": random.getstate(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: dict) -> None:
    random.setstate(state["python"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def find_resume_checkpoint(trial_dir: str, predecessor: Optional[str], config: dict) -> Optional[str]:
    """The checkpoint this trial continues from, if any: the predecessor's folder when hpo
    names it (HPO_RETRY_OF_DIR), this trial's own folder (a rerun), else the newest
    unfinished checkpoint among sibling trial folders (``<logDir>/<study>/trial-*``) made
    with the same configuration — a retried trial has its predecessor's params."""
    candidates: List[Path] = []
    if predecessor:
        candidates.append(Path(predecessor) / CHECKPOINT)
    own = Path(trial_dir) / CHECKPOINT
    candidates.append(own)
    parent = Path(trial_dir).parent
    if parent.is_dir():
        siblings = [p / CHECKPOINT for p in parent.glob("trial-*") if p.is_dir() and p.resolve() != Path(trial_dir).resolve()]
        candidates.extend(sorted((p for p in siblings if p.is_file()), key=lambda p: p.stat().st_mtime, reverse=True))
    for path in candidates:
        if not path.is_file():
            continue
        meta = read_checkpoint_meta(path)
        if meta is not None and not meta.get("finished") and meta.get("config") == config:
            return str(path)
    return None


def read_checkpoint_meta(path: Path) -> Optional[dict]:
    """The small JSON beside a checkpoint (config, epoch, finished), read without loading weights."""
    meta = Path(f"{path}.json")
    try:
        return json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_checkpoint_meta(path: str, meta: dict) -> None:
    tmp = f"{path}.json.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(meta, f)
    os.replace(tmp, f"{path}.json")


def epoch_order(n: int, seed: int, epoch: int) -> List[int]:
    """The batch order of an epoch, a function of (seed, epoch) only: a resumed run shuffles
    its remaining epochs exactly as the uninterrupted run would have."""
    order = list(range(n))
    random.Random(seed * 7919 + epoch).shuffle(order)
    return order


def batches(order: Sequence[int], batch_size: int) -> List[List[int]]:
    return [list(order[i : i + batch_size]) for i in range(0, len(order), batch_size)]
