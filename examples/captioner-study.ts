// Tune the LoRA fine-tuning of an image captioner (ViT encoder + GPT-2-style decoder in
// TensorFlow.js): TPE proposes lr, LoRA r/alpha/dropout, the freeze mode and the epochs;
// Hyperband stops weak runs after their first epochs. Each trial fine-tunes the pretrained
// base on recipe-style titles of synthetic food plates and reports validation METEOR.
//
// Run it with `npx hpo run examples/captioner-study.ts` (embedded storage in .hpo/). The
// first trial pretrains the base captioner once on generic descriptions and caches it in
// .hpo/captioner/ (or run `hpo captioner pretrain` beforehand). The summary prints the best
// trial, its test-split scores and the baselines it beat: the pretrained model without
// fine-tuning, and a frozen-decoder run. Defaults finish in minutes on two CPU cores.
//
// To tune a downloaded Hugging Face checkpoint instead (nlpconnect/vit-gpt2-image-captioning,
// or { encoder: <vit folder>, decoder: <gpt2 folder> }), add
// `model: { pretrained: "models/vit-gpt2-image-captioning" }` to captionerObjective's options;
// docs/captioner.md says what that costs on WebAssembly.
import { defineStudy, HyperbandPruner, param, TPESampler } from "hpo";
import { captionerDirection, captionerObjective } from "hpo/captioner";

const metric = "meteor";

export default defineStudy({
  name: "captioner-lora",
  direction: captionerDirection(metric),
  // Every epoch reports train_loss, val_loss, bleu1, bleu2, rouge_l and meteor; the pruner
  // and the trial's value watch this one.
  metric,
  space: {
    lr: param.float(3e-4, 1e-2, { log: true }),
    loraR: param.categorical([0, 4, 8, 16]), // 0 = full fine-tuning of the trained towers
    loraAlpha: param.float(4, 64, { log: true }),
    loraDropout: param.float(0, 0.2),
    freeze: param.categorical(["none", "encoder", "decoder"]),
    epochs: param.int(3, 8),
  },
  sampler: new TPESampler({ seed: 1, nStartupTrials: 5 }),
  pruner: new HyperbandPruner({ minResource: 1, maxResource: 8, reductionFactor: 3 }),
  nTrials: 12,
  objective: captionerObjective({ metric, data: { kind: "synthetic", images: 400, seed: 7 } }),
});
