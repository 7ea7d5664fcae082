/**
 * Pretraining: a base captioner trained from scratch on generic visual descriptions of
 * synthetic food plates, the stand-in for a pretrained ViT + GPT-2. Its vocabulary also
 * covers the fine-tuning captions' words (as GPT-2's covers English), but it never sees
 * them as targets. The result is cached in a folder keyed by the options, behind a lock
 * so parallel workers pretrain it once.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { generateFoodPlates, foodPlateVocabularyText } from "../data/synthetic-food-plates.ts";
import { splitDataset } from "../data/split-dataset.ts";
import { prepareExamples } from "../data/token-batches.ts";
import { type CaptionerConfig, captionerConfigSchema, DEFAULT_DECODER, DEFAULT_ENCODER, encoderConfigSchema } from "../model/captioner-config.ts";
import { CaptionerModel } from "../model/captioner-model.ts";
import { loadCaptioner, type SavedCaptioner, saveCaptioner } from "../model/model-io.ts";
import { WordTokenizer } from "../text/word-tokenizer.ts";
import { CaptionTrainer } from "./caption-trainer.ts";
import { splitLoss } from "./evaluation.ts";
import { wordCaptionerTraining } from "./word-captioner-training.ts";

/** Pretraining settings (all optional; defaults suit two CPU cores). */
export const pretrainOptionsSchema = z.object({
  /** Synthetic plates generated for pretraining. */
  images: z.number().int().min(8).default(1600),
  /** Seed of the synthetic pretraining images (distinct from the fine-tuning set's). */
  dataSeed: z.number().int().default(101),
  epochs: z.number().int().min(1).default(14),
  batchSize: z.number().int().min(1).default(32),
  learningRate: z.number().positive().default(2e-3),
  /** Seed of the weights and batch order. */
  seed: z.number().int().default(1),
  encoder: encoderConfigSchema.optional(),
  /** Decoder sizes except the vocabulary (which the tokenizer decides). */
  decoder: z
    .object({
      maxTokens: z.number().int().min(2),
      dModel: z.number().int().positive(),
      layers: z.number().int().positive(),
      heads: z.number().int().positive(),
      mlpDim: z.number().int().positive(),
    })
    .partial()
    .optional(),
  /** Largest vocabulary (specials included). */
  maxVocabulary: z.number().int().min(8).default(2000),
});

export type PretrainOptions = z.input<typeof pretrainOptionsSchema>;
type ResolvedPretrainOptions = z.output<typeof pretrainOptionsSchema>;

/** Progress of pretraining, one line per epoch. */
export type ProgressLog = (message: string) => void;

/** A stable short hash of the options and extra vocabulary, naming the cache folder. */
export function pretrainFingerprint(options: PretrainOptions, vocabularyTexts: readonly string[] = []): string {
  const resolved = pretrainOptionsSchema.parse(options);
  const h = createHash("sha256");
  h.update(JSON.stringify(resolved));
  for (const t of vocabularyTexts) h.update(`\n${t}`);
  return h.digest("hex").slice(0, 12);
}

/**
 * Pretrains a base captioner on synthetic descriptions. `vocabularyTexts` adds the
 * fine-tuning captions' words to the vocabulary (default: every synthetic title word).
 */
export function pretrainCaptioner(options: PretrainOptions = {}, vocabularyTexts: readonly string[] = foodPlateVocabularyText(), log: ProgressLog = () => {}): SavedCaptioner {
  const o: ResolvedPretrainOptions = pretrainOptionsSchema.parse(options);
  const encoder = o.encoder ?? DEFAULT_ENCODER;
  const plates = generateFoodPlates({ count: o.images, seed: o.dataSeed, imageSize: encoder.imageSize, idPrefix: "pretrain" });
  const split = splitDataset(plates, o.dataSeed, { train: 0.9, validation: 0.1, test: 0 });
  const descriptions = split.train.map((e) => e.description ?? "");
  const tokenizer = WordTokenizer.build([...descriptions, ...vocabularyTexts], { maxSize: o.maxVocabulary });
  const config: CaptionerConfig = captionerConfigSchema.parse({ encoder, decoder: { ...DEFAULT_DECODER, ...o.decoder, vocabSize: tokenizer.size } });
  const model = CaptionerModel.create(config, o.seed);
  const maxTokens = config.decoder.maxTokens;
  const train = prepareExamples(split.train, "description", tokenizer, encoder, maxTokens);
  const validation = prepareExamples(split.validation, "description", tokenizer, encoder, maxTokens);
  const trainable = model.params.names().map((n) => model.params.get(n));
  const trainer = new CaptionTrainer(wordCaptionerTraining(model), trainable, train, { batchSize: o.batchSize, learningRate: o.learningRate, epochs: o.epochs, seed: o.seed, warmupFraction: 0.05 });
  log(`[pretrain] ${model.parameterCount()} parameters, vocabulary ${tokenizer.size}, ${train.length} train / ${validation.length} validation plates, ${o.epochs} epochs`);
  let last = { trainLoss: NaN, validationLoss: NaN };
  try {
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      const r = trainer.trainEpoch(epoch);
      const validationLoss = splitLoss(model, validation);
      last = { trainLoss: r.trainLoss, validationLoss };
      log(`[pretrain] epoch ${epoch}/${o.epochs}: train loss ${r.trainLoss.toFixed(3)}, validation loss ${validationLoss.toFixed(3)} (${r.seconds.toFixed(1)} s)`);
    }
  } finally {
    trainer.dispose();
  }
  return { model, tokenizer, meta: { pretrain: o, ...last, createdAt: new Date().toISOString() } };
}

/** Options of {@link ensurePretrained}. */
export interface EnsurePretrainedOptions {
  /** Folder of cached base models (default ".hpo/captioner"). */
  readonly cacheDir?: string;
  readonly pretrain?: PretrainOptions;
  readonly vocabularyTexts?: readonly string[];
  readonly log?: ProgressLog;
  /** Give up waiting for another process's pretraining after this long (default 1 h). */
  readonly lockTimeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Loads the cached base model for these options, pretraining and saving it first when it
 * is missing. Returns the model and the folder it lives in.
 */
export async function ensurePretrained(options: EnsurePretrainedOptions = {}): Promise<SavedCaptioner & { dir: string; pretrained: boolean }> {
  const vocabularyTexts = options.vocabularyTexts ?? foodPlateVocabularyText();
  const dir = join(options.cacheDir ?? join(".hpo", "captioner"), `base-${pretrainFingerprint(options.pretrain ?? {}, vocabularyTexts)}`);
  const log = options.log ?? (() => {});
  const lock = `${dir}.lock`;
  const deadline = Date.now() + (options.lockTimeoutMs ?? 3_600_000);
  for (;;) {
    if (existsSync(join(dir, "model.json"))) return { ...(await loadCaptioner(dir)), dir, pretrained: false };
    try {
      await mkdir(join(dir, ".."), { recursive: true });
      await mkdir(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      // Another process is pretraining; a lock untouched for an hour is abandoned.
      const age = Date.now() - (await stat(lock).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age > 3_600_000) await rm(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock} (another process pretraining?)`);
      await sleep(1000);
    }
  }
  try {
    if (existsSync(join(dir, "model.json"))) return { ...(await loadCaptioner(dir)), dir, pretrained: false };
    log(`[pretrain] no base model in ${dir}; pretraining it once`);
    const result = pretrainCaptioner(options.pretrain ?? {}, vocabularyTexts, log);
    await saveCaptioner(dir, result.model, result.tokenizer, result.meta);
    log(`[pretrain] saved ${dir}`);
    return { ...result, dir, pretrained: true };
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}
