#!/usr/bin/env bash
# GPU acceptance check of the PyTorch route (docs/captioner.md, "On GPUs"): on a machine
# with an NVIDIA GPU, PyTorch, transformers and peft, and no network, runs a 2-trial study
# of examples/captioner-gpu-study.ts on a random-initialised ViT-GPT2 of the real size
# (ViT-base/16 at 224 px + GPT-2 124M, built from a config), one epoch each on a small set
# of generated plates, and prints the GPU's name, the step time, images/s, every epoch's
# named metrics as hpo stored them and each trial's pinned device. Exits non-zero on any
# mismatch. About 2-4 minutes on one H100 (limit: 8 minutes).
#
#   scripts/gpu-check.sh                 # GPUs 0 and 1 if there are two, else GPU 0
#   GPU_CHECK_GPUS=2,3 scripts/gpu-check.sh
#
# GPU_CHECK_DRY_RUN=1 runs the same study on the CPU with the small model (no nvidia-smi,
# GPU_CHECK_GPUS is a fake list): how CI checks this script without a GPU.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-python3}"
dry="${GPU_CHECK_DRY_RUN:-0}"
export PYTHON="$python" HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
started=$SECONDS

if [[ "$dry" != 1 ]]; then
  command -v nvidia-smi >/dev/null || { echo "gpu-check: nvidia-smi not found: no NVIDIA driver here" >&2; exit 1; }
  echo "== GPUs"
  nvidia-smi --query-gpu=index,name,memory.total,driver_version --format=csv,noheader
  gpus="${GPU_CHECK_GPUS:-$(nvidia-smi --query-gpu=index --format=csv,noheader | head -n 2 | paste -sd, -)}"
  "$python" - <<'PY' || { echo "gpu-check: $python lacks torch with CUDA, transformers or peft (examples/python/requirements.txt)" >&2; exit 1; }
import torch, transformers, peft
assert torch.cuda.is_available(), "torch.cuda.is_available() is False"
print(f"torch {torch.__version__} (CUDA {torch.version.cuda}), transformers {transformers.__version__}, peft {peft.__version__}")
PY
  model=random
  extra="--epochs 1 --batch-size 16 --val-limit 32 --test-limit 32 --num-workers 2 --max-length 16"
  samples=320
else
  gpus="${GPU_CHECK_GPUS:-5,7}"
  model=tiny
  extra="--epochs 1 --batch-size 16 --num-workers 0 --device cpu"
  samples=160
fi
[[ ! -f "$repo/dist/src/cli/main.js" ]] && (cd "$repo" && node scripts/build.mjs >/dev/null)

work="$(mktemp -d "${TMPDIR:-/tmp}/hpo-gpu-check-XXXXXX")"
trap 'rm -rf "$work"' EXIT
echo "== study: 2 trials of examples/captioner-gpu-study.ts ($model model, $samples generated plates, 1 epoch), --gpus $gpus"
# The study's epochs param is sampled, but --epochs 1 in CAPTION_EXTRA comes last and wins.
(cd "$work" && CAPTION_MODEL=$model CAPTION_SYNTHETIC=$samples CAPTION_TRIALS=2 CAPTION_STUDY=gpu-check CAPTION_EXTRA="$extra" \
  timeout 450 node "$repo/bin/hpo.js" run "$repo/examples/captioner-gpu-study.ts" --storage "$work/store" --gpus "$gpus" --quiet) || {
  status=$?
  echo "gpu-check: hpo run exited $status; trial logs:" >&2
  tail -n 30 "$work"/hpo-trials/gpu-check/trial-*/output.log >&2 || true
  exit 1
}
echo "== what hpo stored"
node "$repo/scripts/gpu-check/check-study.mjs" "$work/store" gpu-check "$work/hpo-trials" "$gpus"
echo "gpu-check: done in $((SECONDS - started)) s"
