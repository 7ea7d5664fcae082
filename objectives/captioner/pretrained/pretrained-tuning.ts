/**
 * A Hugging Face ViT + GPT-2 checkpoint as a {@link TunableCaptioner}: loaded once, its
 * data prepared with its own processor and tokenizer; each run trains adapters or tower
 * copies on top of the untouched base (see PretrainedCaptionerModel.prepareRun), feeds the
 * decoder cached encoder outputs when the encoder is frozen, and saves what it learned in
 * peft's layout.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { ResolvedCaptionerOptions } from "../captioner-options.ts";
import { CaptionTrainer } from "../training/caption-trainer.ts";
import type { TunableCaptioner } from "../tuning/tuning-run.ts";
import { EncoderOutputCache } from "./encoder-output-cache.ts";
import { loadPretrainedCaptioner } from "./load-pretrained-captioner.ts";
import { savePeftAdapter, saveFineTunedWeights } from "./peft-adapter.ts";
import { loadPretrainedData } from "./pretrained-data.ts";
import { scorePretrainedSplit } from "./pretrained-evaluation.ts";
import { disposePretrainedBatch, preparePretrainedExamples, pretrainedBatch } from "./pretrained-examples.ts";

/** Every attention projection of both towers (the default LoRA targets for checkpoints). */
export const PRETRAINED_LORA_TARGETS = ["q", "k", "v", "o"] as const;

/** Loads the checkpoint named by `o.model` and prepares the data. */
export async function pretrainedTunable(o: ResolvedCaptionerOptions, log: (m: string) => void): Promise<TunableCaptioner> {
  const m = o.model;
  if (!m) throw new Error("pretrainedTunable needs options.model");
  const captioner = await loadPretrainedCaptioner(m.pretrained, { seed: m.seed, selectBackend: false, log });
  const { model, processor, tokenizer, config } = captioner;
  try {
    const data = await loadPretrainedData(o.data, processor);
    const maxTokens = Math.min(m.maxCaptionTokens, config.decoder.positions);
    const prepare = (items: typeof data.train) => preparePretrainedExamples(items, processor, (t) => tokenizer.encode(t), maxTokens);
    const train = prepare(data.train);
    const validation = prepare(data.validation);
    const test = prepare(data.test);
    log(`[captioner] fine-tuning data: ${data.summary}: ${train.length} train / ${validation.length} validation / ${test.length} test`);
    const cache = m.encoderCache === "off" ? null : new EncoderOutputCache(model, processor, { dir: m.encoderCache === "disk" ? join(o.cacheDir, "encoder-outputs") : null });
    const baseKey = createHash("sha256").update(model.checkpointHash).digest("hex").slice(0, 12);
    const scoring = (frozenEncoder: boolean) => ({ tokenizer, processor, maxTokens, cache: frozenEncoder ? cache : null, batchSize: o.batchSize });
    const targets = o.loraTargets ?? [...PRETRAINED_LORA_TARGETS];
    return {
      description: `checkpoint ${captioner.source} (${model.parameterCount().toLocaleString("en-US")} parameters, GPT-2 vocabulary ${tokenizer.size})`,
      trainSize: train.length,
      baselineDir: join(o.cacheDir, `pretrained-${baseKey}`),
      identity: JSON.stringify({ checkpoint: model.checkpointHash, data: o.data, maxTokens }),
      startRun(hp, seed) {
        const frozenEncoder = hp.freeze === "encoder" && cache !== null;
        const trainable = model.prepareRun({
          freeze: hp.freeze,
          lora: { r: hp.loraR, alpha: hp.loraAlpha, dropout: hp.loraDropout, targets },
          seed,
          trainWordEmbeddings: o.trainWordEmbeddings ?? false,
        });
        if (frozenEncoder) {
          const before = { ...cache.stats };
          cache.ensure([...train, ...validation, ...test]);
          const computed = cache.stats.computed - before.computed;
          const loaded = cache.stats.fromDisk - before.fromDisk;
          if (computed + loaded > 0) log(`[captioner] encoder frozen: ${computed} encoder outputs computed, ${loaded} read from the cache; epochs run the decoder only`);
        }
        const trainer = new CaptionTrainer(
          {
            batch: (examples) => pretrainedBatch(examples, config, processor, maxTokens, frozenEncoder ? cache.states(examples) : undefined),
            loss: (batch, seeds) => model.loss(batch, seeds),
            disposeBatch: disposePretrainedBatch,
          },
          [...trainable.values()],
          train,
          { batchSize: o.batchSize, learningRate: hp.lr, epochs: hp.epochs, warmupFraction: o.warmupFraction, weightDecay: o.weightDecay, clipNorm: o.clipNorm, seed },
        );
        return {
          trainable,
          trainer,
          score: (split) => scorePretrainedSplit(model, split === "validation" ? validation : test, scoring(frozenEncoder)),
          save: m.saveTrials
            ? (dir) =>
                hp.loraR >= 1
                  ? savePeftAdapter(dir, model, { baseModel: captioner.source, r: hp.loraR, alpha: hp.loraAlpha, dropout: hp.loraDropout })
                  : saveFineTunedWeights(dir, model, { baseModel: captioner.source })
            : undefined,
          dispose() {
            trainer.dispose();
            model.endRun();
          },
        };
      },
      scoreUntuned() {
        model.endRun();
        return scorePretrainedSplit(model, test, scoring(true));
      },
      dispose: () => captioner.dispose(),
    };
  } catch (e) {
    captioner.dispose();
    throw e;
  }
}
