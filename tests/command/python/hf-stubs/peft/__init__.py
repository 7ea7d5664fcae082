"""Test double of the peft calls caption_lora.py makes (see ../README.md)."""

import math

import torch
from torch import nn


class LoraConfig:
    def __init__(self, r, lora_alpha, lora_dropout=0.0, target_modules=()):
        self.r, self.lora_alpha, self.lora_dropout, self.target_modules = r, lora_alpha, lora_dropout, list(target_modules)


class LoraLinear(nn.Module):
    """base(x) + dropout(x) A B * alpha / r, B starting at zero (the base output, untouched, at first)."""

    def __init__(self, base, config):
        super().__init__()
        self.base_layer = base
        self.lora_A = nn.Linear(base.in_features, config.r, bias=False)
        self.lora_B = nn.Linear(config.r, base.out_features, bias=False)
        nn.init.kaiming_uniform_(self.lora_A.weight, a=math.sqrt(5))
        nn.init.zeros_(self.lora_B.weight)
        self.dropout = nn.Dropout(config.lora_dropout)
        self.scaling = config.lora_alpha / config.r

    def forward(self, x):
        return self.base_layer(x) + self.lora_B(self.lora_A(self.dropout(x))) * self.scaling


class PeftModel:
    def __init__(self, model):
        self._model = model

    def get_base_model(self):
        return self._model


def _matches(name, targets):
    return any(name == t or name.endswith("." + t) for t in targets)


def get_peft_model(model, config):
    """Wraps each targeted nn.Linear in adapters and freezes every base weight, as peft does."""
    if not config.target_modules:
        raise ValueError("target_modules is empty")
    targets = [n for n, m in model.named_modules() if _matches(n, config.target_modules) and isinstance(m, nn.Linear)]
    if not targets:
        raise ValueError(f"Target modules {config.target_modules} not found in the base model")
    for name in targets:
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, child, LoraLinear(getattr(parent, child), config))
    for name, param in model.named_parameters():
        param.requires_grad = "lora_" in name
    return PeftModel(model)
