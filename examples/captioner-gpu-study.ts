// The seed's experiment on GPUs: the PyTorch captioner of examples/python/caption_lora.py
// (ViT-GPT2, LoRA or full fine-tuning, a freeze mode), one process per trial through the
// command objective, its captions scored by hpo (val_bleu1, val_bleu2, val_rougeL,
// val_meteor every epoch; test_* with the best epoch's weights). Needs torch, transformers
// and peft (examples/python/requirements.txt); CI runs it with test doubles of the last two.
//
//   # the Kaggle download, the pretrained captioner, four GPUs (one trial each):
//   CAPTION_DATA=data/food-ingredients-and-recipe-dataset-with-images \
//     npx hpo run examples/captioner-gpu-study.ts --gpus 0,1,2,3
//   # no download at all: the real-size model with random weights, generated plates:
//   CAPTION_MODEL=random npx hpo run examples/captioner-gpu-study.ts --gpus 0
//
// CAPTION_MODEL: a model id or folder (default nlpconnect/vit-gpt2-image-captioning),
// "random" (real size, random weights) or "tiny" (small, random); CAPTION_DATA: the Kaggle
// folder, else CAPTION_SYNTHETIC generated plates (default 2000). CAPTION_TRIALS,
// CAPTION_EXTRA (more arguments, space-separated) and PYTHON adjust the rest.
import { fileURLToPath } from "node:url";
import { defineStudy, MedianPruner, param } from "hpo";
import { command } from "hpo/command";

const script = fileURLToPath(new URL("./python/caption_lora.py", import.meta.url));
const env = process.env;
const data = env.CAPTION_DATA ? ["--data", env.CAPTION_DATA] : ["--synthetic", env.CAPTION_SYNTHETIC ?? "2000"];
const modelChoice = env.CAPTION_MODEL ?? "nlpconnect/vit-gpt2-image-captioning";
const model = modelChoice === "random" ? ["--random-init"] : modelChoice === "tiny" ? ["--tiny-random"] : ["--model", modelChoice];
const extra = (env.CAPTION_EXTRA ?? "").split(" ").filter(Boolean);

export default defineStudy({
  name: env.CAPTION_STUDY ?? "captioner-gpu",
  direction: "maximize", // the value is the best epoch's val_meteor
  // The seed's space (the TypeScript captioner's): lora_r 0 is full fine-tuning.
  space: {
    lr: param.float(3e-4, 1e-2, { log: true }),
    lora_r: param.categorical([0, 4, 8, 16]),
    lora_alpha: param.float(4, 64, { log: true }),
    lora_dropout: param.float(0, 0.2),
    freeze: param.categorical(["none", "encoder", "decoder"]),
    epochs: param.int(3, 8),
  },
  // The pruner watches validation METEOR as hpo scored it, from epoch 1 on (step 0 is the
  // untuned model, the same for every trial).
  metric: "val_meteor",
  pruner: new MedianPruner({ nStartupTrials: 4, nWarmupSteps: 1 }),
  nTrials: Number(env.CAPTION_TRIALS ?? 24),
  objective: command({
    cmd: [
      env.PYTHON ?? "python3",
      script,
      ...data,
      ...model,
      ...["--lr", "{lr}", "--lora-r", "{lora_r}", "--lora-alpha", "{lora_alpha}", "--lora-dropout", "{lora_dropout}"],
      ...["--freeze", "{freeze}", "--epochs", "{epochs}", "--schedule", "cosine"],
      ...extra,
    ],
    timeout: 4 * 60 * 60 * 1000,
    gracePeriod: 30_000, // time to finish the batch and write a checkpoint
  }),
});
