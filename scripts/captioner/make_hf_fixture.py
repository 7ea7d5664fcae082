#!/usr/bin/python3
"""Writes a tiny random ViT + GPT-2 captioner in Hugging Face's exact folder layout, with
reference outputs from the PyTorch modules in hf_modules.py (written after transformers
4.38: modeling_vit.py, modeling_gpt2.py, modeling_vision_encoder_decoder.py).

Folder: config.json, model.safetensors (F32/F16/BF16, written by the few lines below: the
safetensors package is not installed here) or pytorch_model.bin (torch.save),
preprocessor_config.json (ViTImageProcessor), vocab.json + merges.txt (a byte-level BPE
trained on a few captions), special_tokens_map.json, tokenizer_config.json, two PNG images,
and reference.json: pixel values (PIL resize + rescale + normalise as ViTImageProcessor),
token ids, encoder states, pooler output, decoder logits, greedy captions — float arrays as
base64 little-endian float32.

  /usr/bin/python3 scripts/captioner/make_hf_fixture.py --out DIR [sizes...]
  /usr/bin/python3 scripts/captioner/make_hf_fixture.py --committed tests/fixtures/captioner/hf
--layout pair writes DIR/vit (a ViTForImageClassification-style pytorch_model.bin, "vit."
keys) and DIR/gpt2 (a GPT2LMHeadModel model.safetensors without cross-attention), plus
DIR/cross-attention.safetensors: the tensors a loader must initialise itself (cross-attention,
enc_to_dec_proj), which the reference used, so a test can put them in and compare.

Needs Debian's python3-torch and python3-pil.
"""
import argparse, base64, json, os, random, struct, sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt2_bpe import Gpt2Bpe, train_merges  # noqa: E402
from hf_modules import VisionEncoderDecoderModel  # noqa: E402

FOLLOWS = "transformers 4.38 (eager attention)"
CORPUS = [
    "Grilled Salmon With Lemon", "Roasted Tomato Salad with Peas", "Pan-Seared Steak and Mushrooms",
    "Baked Eggs with Broccoli", "a blue plate with two flat pink pieces", "It's the chef's 12 best dishes!",
]
TEXTS = ["Grilled Salmon With Lemon", "naïve café 🍣 it's 12 eggs\n"]
MARGIN = 2e-3  # smallest top-2 logit gap accepted on the greedy path (float32 noise stays far below)


def b64(t):
    return base64.b64encode(np.ascontiguousarray(t.detach().numpy().astype("<f4")).tobytes()).decode()


def write_safetensors(path, tensors, dtype):
    """safetensors: u64 header length, JSON header (space-padded to 8 bytes), raw data."""
    torch_dtype = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}[dtype]
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in tensors.items():
        t = t.detach().to(torch_dtype).contiguous()
        raw = t.view(torch.int16).numpy().astype("<i2").tobytes() if dtype != "F32" else t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def rounded(t, dtype):
    return t.to({"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}[dtype]).float()


def preprocess(image, size, mean, std, resample):
    """ViTImageProcessor: PIL resize, rescale 1/255 (float64 → float32), normalise in float32, channels first."""
    arr = np.array(image.convert("RGB").resize((size, size), resample=resample))
    x = (arr.astype(np.float64) * (1 / 255)).astype(np.float32)
    x = (x - np.array(mean, dtype=np.float32)) / np.array(std, dtype=np.float32)
    return torch.from_numpy(x.transpose(2, 0, 1).copy())


def make_images(seed):
    rng = np.random.RandomState(seed)
    out = []
    for w, h in ((23, 17), (30, 28)):
        yy, xx = np.mgrid[0:h, 0:w]
        base = np.stack([xx * 255 / w, yy * 255 / h, (xx + yy) * 127 / (w + h)], -1)
        arr = np.clip(base + rng.randint(0, 60, size=(h, w, 3)), 0, 255).astype(np.uint8)
        out.append(Image.fromarray(arr, "RGB"))
    return out


def configs(a, vocab_size):
    vocab_size = max(vocab_size, a.vocab_size or 0)
    enc = dict(model_type="vit", architectures=["ViTModel"], hidden_size=a.vit_hidden, num_hidden_layers=a.vit_layers,
               num_attention_heads=a.vit_heads, intermediate_size=a.vit_intermediate, hidden_act="gelu",
               layer_norm_eps=1e-12, image_size=a.image_size, patch_size=a.patch_size, num_channels=3,
               qkv_bias=not a.no_qkv_bias, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, initializer_range=0.02)
    eos = a.eos
    dec = dict(model_type="gpt2", architectures=["GPT2LMHeadModel"], vocab_size=vocab_size, n_positions=a.positions,
               n_embd=a.gpt2_hidden, n_layer=a.gpt2_layers, n_head=a.gpt2_heads, n_inner=a.gpt2_inner,
               activation_function=a.activation, layer_norm_epsilon=1e-5, resid_pdrop=0.1, embd_pdrop=0.1, attn_pdrop=0.1,
               scale_attn_weights=True, scale_attn_by_inverse_layer_idx=a.scale_by_layer, reorder_and_upcast_attn=False,
               add_cross_attention=True, is_decoder=True, bos_token_id=eos, eos_token_id=eos, tie_word_embeddings=True,
               initializer_range=0.02)
    top = dict(model_type="vision-encoder-decoder", architectures=["VisionEncoderDecoderModel"], is_encoder_decoder=True,
               decoder_start_token_id=eos, eos_token_id=eos, pad_token_id=eos, encoder=enc, decoder=dec,
               hpo_fixture=f"random weights; written by scripts/captioner/make_hf_fixture.py after {FOLLOWS}")
    return top


def randomise(model, gen):
    """Weights large enough that outputs are far from uniform (std 0.02 would make every logit alike)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("lm_head.weight"):
                continue
            if "layernorm" in name or ".ln_" in name:
                p.copy_((1.0 if name.endswith("weight") else 0.0) + 0.2 * torch.randn(p.shape, generator=gen))
            else:
                fan_in = p.shape[-1] if p.dim() == 2 and "wte" not in name and "wpe" not in name else 4.0
                if "c_attn" in name or "q_attn" in name or "c_fc" in name or "c_proj" in name:
                    fan_in = p.shape[0] if p.dim() == 2 else 4.0
                if "patch_embeddings" in name and p.dim() == 4:
                    fan_in = p[0].numel()
                p.copy_(torch.randn(p.shape, generator=gen) * (1.5 / fan_in ** 0.5 if p.dim() >= 2 else 0.3))


def write_tokenizer(folder, vocab, merges):
    with open(os.path.join(folder, "vocab.json"), "w") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(folder, "merges.txt"), "w") as f:
        f.write("#version: 0.2\n" + "\n".join(merges) + "\n")
    sp = {"bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>"}
    with open(os.path.join(folder, "special_tokens_map.json"), "w") as f:
        json.dump(sp, f)
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "GPT2Tokenizer", "model_max_length": 1024, "add_prefix_space": False, **sp}, f)


def write_processor(folder, a):
    cfg = {"image_processor_type": "ViTImageProcessor", "do_resize": True, "size": {"height": a.image_size, "width": a.image_size},
           "resample": a.resample, "do_rescale": True, "rescale_factor": 1 / 255, "do_normalize": True,
           "image_mean": [0.5, 0.4, 0.3], "image_std": [0.25, 0.5, 0.2]}
    with open(os.path.join(folder, "preprocessor_config.json"), "w") as f:
        json.dump(cfg, f)
    return cfg


def write_weights(folder, state, a):
    if a.format == "bin":
        torch.save({k: rounded(v, a.dtype).to({"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}[a.dtype]) for k, v in state.items()},
                   os.path.join(folder, "pytorch_model.bin"))
    else:
        write_safetensors(os.path.join(folder, "model.safetensors"), state, a.dtype)


def build(a):
    vocab, merges = train_merges(CORPUS, a.merges)
    bpe = Gpt2Bpe(vocab, merges)
    a.eos = vocab["<|endoftext|>"]
    config = configs(a, len(vocab))
    for attempt in range(200):
        gen = torch.Generator().manual_seed(a.seed * 1000 + attempt)
        torch.manual_seed(a.seed * 1000 + attempt)
        model = VisionEncoderDecoderModel(config, add_pooling_layer=a.pooler).eval()
        randomise(model, gen)
        with torch.no_grad():
            for _, p in model.named_parameters():
                p.copy_(rounded(p, a.dtype))  # the reference sees exactly the stored values
        images = make_images(a.seed)
        pc = {"image_mean": [0.5, 0.4, 0.3], "image_std": [0.25, 0.5, 0.2]}
        pixels = torch.stack([preprocess(im, a.image_size, pc["image_mean"], pc["image_std"], a.resample) for im in images])
        tokens, margin = model.greedy(pixels, a.max_new_tokens)
        # A caption that varies (not one token repeated) and differs per image exercises
        # positions, the key/value cache and cross-attention.
        varied = all(len(set(row)) >= 3 for row in tokens) and tokens[0] != tokens[1]
        if a.quick or (margin >= MARGIN and varied):
            return model, config, vocab, merges, bpe, images, pixels, tokens, margin, attempt
    raise SystemExit("no seed gave a clear greedy path; change --seed")


def parser():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out")
    ap.add_argument("--committed", help="write the committed fixture set under this folder")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--layout", choices=["ved", "pair"], default="ved")
    ap.add_argument("--format", choices=["safetensors", "bin"], default="safetensors")
    ap.add_argument("--dtype", choices=["F32", "F16", "BF16"], default="F32")
    ap.add_argument("--pooler", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument("--vit-hidden", type=int, default=16)
    ap.add_argument("--vit-layers", type=int, default=2)
    ap.add_argument("--vit-heads", type=int, default=2)
    ap.add_argument("--vit-intermediate", type=int, default=32)
    ap.add_argument("--no-qkv-bias", action="store_true")
    ap.add_argument("--image-size", type=int, default=16)
    ap.add_argument("--patch-size", type=int, default=4)
    ap.add_argument("--resample", type=int, default=2, help="Pillow filter (2 bilinear, 3 bicubic)")
    ap.add_argument("--gpt2-hidden", type=int, default=24)
    ap.add_argument("--gpt2-layers", type=int, default=2)
    ap.add_argument("--gpt2-heads", type=int, default=3)
    ap.add_argument("--gpt2-inner", type=int, default=None)
    ap.add_argument("--positions", type=int, default=24)
    ap.add_argument("--activation", default="gelu_new")
    ap.add_argument("--scale-by-layer", action="store_true", help="scale_attn_by_inverse_layer_idx")
    ap.add_argument("--merges", type=int, default=24)
    ap.add_argument("--max-new-tokens", type=int, default=8)
    ap.add_argument("--vocab-size", type=int, default=None, help="decoder vocab_size beyond the tokenizer's (as GPT-2's 50257)")
    ap.add_argument("--quick", action="store_true", help="keep the first random weights (benchmarks: no greedy-margin search)")
    return ap


def main():
    ap = parser()
    a = ap.parse_args()
    if a.committed:
        for name, args in COMMITTED.items():
            write_fixture(os.path.join(a.committed, name), ap.parse_args(["--out", "-", *args.split()]))
        return
    if not a.out:
        ap.error("--out or --committed is required")
    write_fixture(a.out, a)


def write_fixture(out, a):
    model, config, vocab, merges, bpe, images, pixels, tokens, margin, attempt = build(a)
    state = model.state_dict()
    os.makedirs(out, exist_ok=True)
    if a.layout == "ved":
        with open(os.path.join(out, "config.json"), "w") as f:
            json.dump(config, f, indent=1)
        write_processor(out, a)
        write_tokenizer(out, vocab, merges)
        saved = {k: v for k, v in state.items() if not (a.format == "safetensors" and k == "decoder.lm_head.weight")}
        write_weights(out, saved, a)
    else:
        vit_dir, gpt2_dir = os.path.join(out, "vit"), os.path.join(out, "gpt2")
        os.makedirs(vit_dir, exist_ok=True)
        os.makedirs(gpt2_dir, exist_ok=True)
        with open(os.path.join(vit_dir, "config.json"), "w") as f:
            json.dump(config["encoder"], f, indent=1)
        dec = {k: v for k, v in config["decoder"].items() if k not in ("add_cross_attention", "is_decoder")}
        with open(os.path.join(gpt2_dir, "config.json"), "w") as f:
            json.dump(dec, f, indent=1)
        write_processor(vit_dir, a)
        write_tokenizer(gpt2_dir, vocab, merges)
        # ViTForImageClassification-style "vit." keys in a .bin; GPT2LMHeadModel keys without cross-attention.
        torch.save({"vit." + k[len("encoder."):]: v for k, v in state.items() if k.startswith("encoder.")}, os.path.join(vit_dir, "pytorch_model.bin"))
        gpt2 = {k[len("decoder."):]: v for k, v in state.items()
                if k.startswith("decoder.") and "crossattention" not in k and "ln_cross_attn" not in k and k != "decoder.lm_head.weight"}
        write_safetensors(os.path.join(gpt2_dir, "model.safetensors"), gpt2, "F32")
        fresh = {k: v for k, v in state.items() if "crossattention" in k or "ln_cross_attn" in k or k.startswith("enc_to_dec_proj")}
        write_safetensors(os.path.join(out, "cross-attention.safetensors"), fresh, "F32")
    for i, im in enumerate(images):
        im.save(os.path.join(out, f"image-{i}.png"))
    ids = [bpe.encode(t) for t in TEXTS]
    start = config["decoder_start_token_id"]
    t = min(6, config["decoder"]["n_positions"])
    inputs = [([start] + x + [config["eos_token_id"]] * t)[:t] for x in ids]
    with torch.no_grad():
        states, pooled = model.encode(pixels)
        logits = model.decode(states, torch.tensor(inputs))
    ref = {
        "follows": FOLLOWS,
        "torch": torch.__version__,
        "args": {k: v for k, v in vars(a).items() if k not in ("out", "committed", "eos")},
        "weight_seed_attempt": attempt,
        "images": [f"image-{i}.png" for i in range(len(images))],
        "pixel_values": {"shape": list(pixels.shape), "data": b64(pixels)},
        "texts": TEXTS,
        "text_ids": ids,
        "input_ids": inputs,
        "encoder_last_hidden_state": {"shape": list(states.shape), "data": b64(states)},
        "pooler_output": {"shape": list(pooled.shape), "data": b64(pooled)} if pooled is not None else None,
        "logits": {"shape": list(logits.shape), "data": b64(logits)},
        "max_new_tokens": a.max_new_tokens,
        "greedy": tokens,
        "greedy_min_margin": margin,
        "parameters": sum(p.numel() for p in model.parameters()),
    }
    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump(ref, f, indent=1, ensure_ascii=False)
    print(f"wrote {out}: {ref['parameters']} parameters, greedy margin {margin:.4f}")


COMMITTED = {
    # name: arguments (sizes differ in every dimension the loader reads)
    "ved-f32-pooler": "--pooler --vit-hidden 16 --vit-layers 2 --vit-heads 2 --vit-intermediate 32 --image-size 16 --patch-size 4 "
                      "--gpt2-hidden 20 --gpt2-layers 2 --gpt2-heads 2 --gpt2-inner 40 --positions 16 --seed 1",
    "ved-bf16-nopooler": "--no-pooler --dtype BF16 --vit-hidden 12 --vit-layers 1 --vit-heads 4 --vit-intermediate 24 --image-size 24 "
                         "--patch-size 8 --resample 3 --gpt2-hidden 12 --gpt2-layers 1 --gpt2-heads 2 --gpt2-inner 20 --positions 12 "
                         "--scale-by-layer --seed 2",
    "ved-bin-f16": "--format bin --dtype F16 --pooler --no-qkv-bias --vit-hidden 12 --vit-layers 3 --vit-heads 3 --vit-intermediate 20 "
                   "--image-size 12 --patch-size 6 --gpt2-hidden 16 --gpt2-layers 2 --gpt2-heads 4 --positions 12 --activation gelu "
                   "--seed 3",
    "pair": "--layout pair --pooler --vit-hidden 16 --vit-layers 1 --vit-heads 2 --vit-intermediate 32 --image-size 16 --patch-size 8 "
            "--gpt2-hidden 12 --gpt2-layers 1 --gpt2-heads 2 --positions 12 --seed 4",
}


if __name__ == "__main__":
    main()
