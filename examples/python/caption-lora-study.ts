// The GPU example: tune the PyTorch captioner in caption_lora.py (ViT-GPT2 with LoRA) by
// running it once per trial; it reports validation METEOR after every epoch. CI does not
// run this (it needs torch, transformers and peft; see docs/command.md).
//
//   # four GPUs, four trials at a time, one GPU each:
//   HPO_GPUS=0,1,2,3 HPO_CONCURRENCY=4 npx hpo run examples/python/caption-lora-study.ts
//   # the Food Ingredients and Recipes layout instead of synthetic plates:
//   CAPTION_IMAGES=data/Food_Images CAPTION_CSV=data/food.csv CAPTION_MODEL=nlpconnect/vit-gpt2-image-captioning \
//     HPO_GPUS=0,1 HPO_CONCURRENCY=2 npx hpo run examples/python/caption-lora-study.ts
//
// Without CAPTION_IMAGES/CAPTION_CSV it trains a tiny random model on 2 000 synthetic plates:
// a few minutes on one GPU, no download.
import { fileURLToPath } from "node:url";
import { defineStudy, MedianPruner, param } from "hpo";
import { command } from "hpo/command";

const script = fileURLToPath(new URL("./caption_lora.py", import.meta.url));
const env = process.env;
const data =
  env.CAPTION_IMAGES && env.CAPTION_CSV
    ? ["--images", env.CAPTION_IMAGES, "--captions", env.CAPTION_CSV]
    : ["--synthetic", "2000"];
const model = env.CAPTION_MODEL ? ["--model", env.CAPTION_MODEL] : ["--tiny-random"];

export default defineStudy({
  name: "caption-lora",
  direction: "maximize",
  space: {
    lr: param.float(1e-5, 3e-3, { log: true }),
    lora_r: param.categorical([4, 8, 16, 32]),
    lora_alpha: param.categorical([8, 16, 32, 64]),
    lora_dropout: param.float(0, 0.3),
    freeze: param.categorical(["none", "encoder", "decoder"]),
    epochs: param.int(2, 6),
  },
  pruner: new MedianPruner({ nStartupTrials: 4, nWarmupSteps: 1 }),
  // The script reports train_loss and meteor per epoch; the pruner watches meteor.
  metric: "meteor",
  nTrials: 24,
  // One trial per GPU: with HPO_GPUS=0,1,2,3 set this to 4 (extra trials would wait for a GPU).
  concurrency: Number(env.HPO_CONCURRENCY ?? 1),
  objective: command({
    cmd: [
      env.PYTHON ?? "python3",
      script,
      ...data,
      ...model,
      "--lr",
      "{lr}",
      "--lora-r",
      "{lora_r}",
      "--lora-alpha",
      "{lora_alpha}",
      "--lora-dropout",
      "{lora_dropout}",
      "--freeze",
      "{freeze}",
      "--epochs",
      "{epochs}",
    ],
    timeout: 2 * 60 * 60 * 1000,
    gracePeriod: 30_000, // time to finish the batch and write a checkpoint
  }),
});
