/**
 * hpo's own captioner as a {@link TunableCaptioner}: the base pretrained once on synthetic
 * descriptions (or a folder from `hpo captioner pretrain`), fine-tuned per run on a clone,
 * its word-level tokenizer, and the synthetic plates or recipe photos at its image size.
 */
import type { ResolvedCaptionerOptions } from "../captioner-options.ts";
import { loadFinetuneData } from "../data/load-finetune-data.ts";
import { prepareExamples } from "../data/token-batches.ts";
import { DEFAULT_ENCODER } from "../model/captioner-config.ts";
import { loadCaptioner } from "../model/model-io.ts";
import { CaptionTrainer } from "../training/caption-trainer.ts";
import { scoreSplit } from "../training/evaluation.ts";
import { prepareTrainable } from "../training/freeze-mode.ts";
import { ensurePretrained } from "../training/pretrain.ts";
import { wordCaptionerTraining } from "../training/word-captioner-training.ts";
import type { TunableCaptioner } from "./tuning-run.ts";

/** Loads (or pretrains) the base and prepares the data. */
export async function wordCaptionerTunable(o: ResolvedCaptionerOptions, log: (m: string) => void): Promise<TunableCaptioner> {
  const given = o.baseModel ? await loadCaptioner(o.baseModel) : null;
  const imageSize = given?.model.config.encoder.imageSize ?? (o.pretrain?.encoder ?? DEFAULT_ENCODER).imageSize;
  const data = await loadFinetuneData(o.data, imageSize);
  log(`[captioner] fine-tuning data: ${data.summary}: ${data.train.length} train / ${data.validation.length} validation / ${data.test.length} test`);
  const base = given ? { ...given, dir: o.baseModel as string } : await ensurePretrained({ cacheDir: o.cacheDir, pretrain: o.pretrain, vocabularyTexts: data.vocabularyTexts, log });
  const { encoder, decoder } = base.model.config;
  const prepare = (split: typeof data.train) => prepareExamples(split, "title", base.tokenizer, encoder, decoder.maxTokens);
  const train = prepare(data.train);
  const validation = prepare(data.validation);
  const test = prepare(data.test);
  // The word table is built from the data's words: training it beside LoRA adapters is what lets them learn new words.
  const trainWordEmbeddings = o.trainWordEmbeddings ?? true;
  return {
    description: `base model ${base.dir} (${base.model.parameterCount()} parameters, vocabulary ${base.tokenizer.size})`,
    trainSize: train.length,
    baselineDir: base.dir,
    identity: JSON.stringify({ base: base.dir, data: o.data }),
    startRun(hp, seed) {
      const model = base.model.clone();
      try {
        const trainable = prepareTrainable(model, hp.freeze, { r: hp.loraR, alpha: hp.loraAlpha, dropout: hp.loraDropout, targets: o.loraTargets ?? ["q", "v"] }, seed, { trainWordEmbeddings });
        const trainer = new CaptionTrainer(wordCaptionerTraining(model), [...trainable.values()], train, {
          batchSize: o.batchSize,
          learningRate: hp.lr,
          epochs: hp.epochs,
          warmupFraction: o.warmupFraction,
          weightDecay: o.weightDecay,
          clipNorm: o.clipNorm,
          seed,
        });
        return {
          trainable,
          trainer,
          score(split) {
            if (split === "validation") return scoreSplit(model, base.tokenizer, validation, { beamWidth: o.beamWidth });
            // Inference on the merged weights: what a deployed fine-tuned model would run.
            const merged = model.merged();
            try {
              return scoreSplit(merged, base.tokenizer, test, { beamWidth: o.beamWidth });
            } finally {
              merged.dispose();
            }
          },
          dispose() {
            trainer.dispose();
            model.dispose();
          },
        };
      } catch (e) {
        model.dispose();
        throw e;
      }
    },
    scoreUntuned: () => scoreSplit(base.model, base.tokenizer, test, { beamWidth: o.beamWidth }),
    dispose: () => base.model.dispose(),
  };
}
