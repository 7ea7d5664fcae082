#!/usr/bin/python3
"""PyTorch side of `npm run bench -- captioner`: milliseconds per training step (forward,
cross-entropy, backward, optimizer step), wall and CPU (time.process_time), one JSON line.

  --model reference --shared ../shared/bench/torch/captioner_step.py
      the shared reference configuration (552,672 parameters), built by that script's own
      setup("captioner-small") — the benchmark reads ../shared/bench and says so;
  --model hf --checkpoint DIR [--freeze-encoder]
      a Hugging Face-layout ViT + GPT-2 folder, through hf_modules.py (after transformers
      4.38), batch 32 random images and 16-token captions, AdamW lr 1e-3, every weight
      trained — or, with --freeze-encoder, the decoder only on encoder outputs computed once.
One thread: torch.set_num_threads(1) and openblas_set_num_threads(1) (Debian python3-torch
with libopenblas0-pthread, as the shared script documents).
"""
import argparse, ctypes, importlib.util, json, os, statistics, sys, time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def blas_library():
    for line in open("/proc/self/maps"):
        if "blas" in line.rsplit("/", 1)[-1]:
            return line.split()[-1]
    return None


def one_thread():
    torch.set_num_threads(1)
    lib = blas_library()
    if lib:
        try:
            ctypes.CDLL(lib).openblas_set_num_threads(1)
        except (OSError, AttributeError):
            pass
    return lib


def reference(shared, seed):
    spec = importlib.util.spec_from_file_location("captioner_step", shared)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    torch.manual_seed(seed)
    model, opt, loss_fn = module.setup("captioner-small", seed)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn()
        loss.backward()
        opt.step()
        return loss

    return model, step


def hf(checkpoint, seed, freeze_encoder, batch=32, tokens=16):
    from hf_checkpoint_io import load_model

    model, config = load_model(checkpoint)
    model.train()
    g = torch.Generator().manual_seed(seed)
    enc = config["encoder"]
    vocab = config["decoder"]["vocab_size"]
    pixels = torch.randn(batch, enc["num_channels"], enc["image_size"], enc["image_size"], generator=g)
    ids = torch.randint(0, vocab, (batch, tokens + 1), generator=g)
    inputs, labels = ids[:, :-1], ids[:, 1:]
    if freeze_encoder:
        for p in model.encoder.parameters():
            p.requires_grad_(False)
        with torch.no_grad():
            states = model.encode(pixels)[0]
        params = [p for p in model.parameters() if p.requires_grad]
        forward = lambda: model.decode(states, inputs)  # noqa: E731
    else:
        params = list(model.parameters())
        forward = lambda: model(pixels, inputs)  # noqa: E731
    opt = torch.optim.AdamW(params, lr=1e-3, weight_decay=0.01)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(forward().reshape(-1, vocab), labels.reshape(-1))
        loss.backward()
        opt.step()
        return loss

    return model, step


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=["reference", "hf"], required=True)
    ap.add_argument("--shared")
    ap.add_argument("--checkpoint")
    ap.add_argument("--freeze-encoder", action="store_true")
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    blas = one_thread()
    model, step = reference(a.shared, a.seed) if a.model == "reference" else hf(a.checkpoint, a.seed, a.freeze_encoder)
    wall, cpu, losses = [], [], []
    for i in range(a.warmup + a.steps):
        w0, c0 = time.perf_counter(), time.process_time()
        losses.append(float(step().item()))
        w, c = (time.perf_counter() - w0) * 1000, (time.process_time() - c0) * 1000
        if i >= a.warmup:
            wall.append(w)
            cpu.append(c)
    print(json.dumps({
        "model": a.model, "parameters": sum(p.numel() for p in model.parameters()),
        "medianMsPerStep": statistics.median(wall), "medianCpuMsPerStep": statistics.median(cpu),
        "p10": sorted(wall)[len(wall) // 10], "p90": sorted(wall)[min(len(wall) - 1, 9 * len(wall) // 10)],
        "lossFirst": losses[0], "lossLast": losses[-1], "steps": a.steps, "blas": blas,
        "torch": torch.__version__, "threads": torch.get_num_threads(),
    }))


if __name__ == "__main__":
    main()
