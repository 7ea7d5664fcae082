#!/usr/bin/python3
"""Loads a LoRA adapter saved by hpo onto its base checkpoint the way peft does, and prints
decoder logits as JSON (base64 float32) — the check that a Python user gets the model hpo
tuned. peft is not installable here, so the merge follows peft's LoRA (tuners/lora/layer.py,
Linear.get_delta_weight): W += (lora_alpha / r) · B·A, transposed for fan_in_fan_out
(GPT-2's Conv1D); modules_to_save entries replace the module's weight.

  /usr/bin/python3 scripts/captioner/apply_peft_adapter.py --base DIR --adapter DIR --inputs FILE
FILE: JSON {"pixel_values": {"shape", "data"}, "input_ids": [[...]]} (reference.json works).
"""
import argparse, base64, json, os, sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hf_checkpoint_io import load_model, read_safetensors  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--adapter", required=True)
    ap.add_argument("--inputs", required=True)
    a = ap.parse_args()
    model, _ = load_model(a.base)
    model.eval()
    with open(os.path.join(a.adapter, "adapter_config.json")) as f:
        peft = json.load(f)
    adapter = read_safetensors(os.path.join(a.adapter, "adapter_model.safetensors"))
    modules = dict(model.named_modules())
    params = dict(model.named_parameters())
    scale = peft["lora_alpha"] / peft["r"]
    applied = 0
    with torch.no_grad():
        for key, value in adapter.items():
            assert key.startswith("base_model.model."), key
            path = key[len("base_model.model."):]
            if path.endswith(".lora_A.weight"):
                module = path[: -len(".lora_A.weight")]
                if module not in modules or module not in peft["target_modules"]:
                    raise SystemExit(f"adapter key {key} names no targeted module")
                delta = scale * adapter[f"base_model.model.{module}.lora_B.weight"] @ value
                w = modules[module].weight
                # nn.Linear holds [out, in]; Conv1D [in, out] (peft's fan_in_fan_out).
                w += delta if isinstance(modules[module], torch.nn.Linear) else delta.T
                applied += 1
            elif path.endswith(".lora_B.weight"):
                continue
            else:
                if path not in params:
                    raise SystemExit(f"adapter key {key} names no parameter")
                params[path].copy_(value)
                applied += 1
    with open(a.inputs) as f:
        inputs = json.load(f)
    raw = base64.b64decode(inputs["pixel_values"]["data"])
    pixels = torch.from_numpy(np.frombuffer(raw, dtype="<f4").copy()).reshape(inputs["pixel_values"]["shape"])
    with torch.no_grad():
        logits = model(pixels, torch.tensor(inputs["input_ids"]))
    print(json.dumps({"applied": applied, "shape": list(logits.shape), "data": base64.b64encode(logits.numpy().astype("<f4").tobytes()).decode()}))


if __name__ == "__main__":
    main()
