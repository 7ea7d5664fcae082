"""Reads a Hugging Face checkpoint folder's weights in plain Python (safetensors without the
safetensors package, which is not installed here; pytorch_model.bin with torch.load)."""
import json, os, struct

import numpy as np
import torch


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        a, b = e["data_offsets"]
        data = raw[8 + n + a: 8 + n + b]
        if e["dtype"] == "F32":
            t = torch.from_numpy(np.frombuffer(data, dtype="<f4").copy())
        elif e["dtype"] == "F16":
            t = torch.from_numpy(np.frombuffer(data, dtype="<f2").copy()).float()
        elif e["dtype"] == "BF16":
            t = torch.from_numpy(np.frombuffer(data, dtype="<i2").copy()).view(torch.bfloat16).float()
        else:
            raise SystemExit(f"{path}: dtype {e['dtype']} not handled")
        out[name] = t.reshape(e["shape"])
    return out


def read_weights(folder):
    if os.path.exists(os.path.join(folder, "model.safetensors")):
        return read_safetensors(os.path.join(folder, "model.safetensors"))
    return {k: v.float() for k, v in torch.load(os.path.join(folder, "pytorch_model.bin")).items()}


def load_model(folder):
    """A VisionEncoderDecoderModel (hf_modules) with the folder's config and weights."""
    from hf_modules import VisionEncoderDecoderModel

    with open(os.path.join(folder, "config.json")) as f:
        config = json.load(f)
    state = read_weights(folder)
    model = VisionEncoderDecoderModel(config, add_pooling_layer="encoder.pooler.dense.weight" in state)
    missing, unexpected = model.load_state_dict(state, strict=False)
    if [k for k in missing if k != "decoder.lm_head.weight"] or unexpected:
        raise SystemExit(f"{folder}: weights do not fit: missing {missing}, unexpected {unexpected}")
    model.decoder.lm_head.weight = model.decoder.transformer.wte.weight
    return model, config
