/**
 * The captioner objective: each trial fine-tunes the pretrained base captioner on the
 * target captions with its own lr, LoRA r/alpha/dropout, freeze mode and epochs (AdamW,
 * warm-up + cosine decay, gradient clipping), reports a validation metric every epoch for
 * pruning, checkpoints when the trial can store one, and records its test-split scores.
 */
import { existsSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createHash } from "node:crypto";
import * as tf from "@tensorflow/tfjs";
import type { AttrValue } from "../../src/trial/frozen-trial.ts";
import { TrialPruned } from "../../src/trial/trial-pruned.ts";
import { type BackendSelection, selectBackend } from "./backend/select-backend.ts";
import {
  type CaptionerMetric,
  type CaptionerObjectiveOptions,
  captionerObjectiveOptionsSchema,
  type ResolvedCaptionerOptions,
} from "./captioner-options.ts";
import { type CaptionerTrial, checkpointStoreOf } from "./captioner-trial.ts";
import { loadFinetuneData } from "./data/load-finetune-data.ts";
import { type PreparedExample, prepareExamples } from "./data/token-batches.ts";
import { type CaptionerHyperparameters, readHyperparameters } from "./hyperparameters.ts";
import { DEFAULT_ENCODER } from "./model/captioner-config.ts";
import type { CaptionerModel } from "./model/captioner-model.ts";
import { loadCaptioner, type SavedCaptioner } from "./model/model-io.ts";
import { CaptionTrainer } from "./training/caption-trainer.ts";
import { decodeCheckpoint, encodeCheckpoint } from "./training/checkpoint.ts";
import { type SplitScores, scoreSplit } from "./training/evaluation.ts";
import { prepareTrainable } from "./training/freeze-mode.ts";
import { ensurePretrained } from "./training/pretrain.ts";

/** Test-split scores of the two reference points a tuned captioner should beat. */
export interface CaptionerBaselines {
  /** The pretrained base, not fine-tuned. */
  readonly pretrained: Scores;
  /** Fine-tuned with the decoder frozen (encoder trained in full, lr 3e-3, the most epochs). */
  readonly frozenDecoder: Scores;
}

type Scores = { readonly loss: number; readonly bleu1: number; readonly bleu2: number; readonly rougeL: number; readonly meteor: number };

interface ObjectiveContext {
  readonly backend: BackendSelection;
  readonly base: SavedCaptioner & { readonly dir: string };
  readonly train: readonly PreparedExample[];
  readonly validation: readonly PreparedExample[];
  readonly test: readonly PreparedExample[];
  readonly dataSummary: string;
  baselines: Promise<CaptionerBaselines> | null;
}

/** The value of `metric` in `scores`. */
export function metricValue(scores: SplitScores | Scores, metric: CaptionerMetric): number {
  return metric === "validationLoss" ? scores.loss : scores[metric];
}

function scoresOf(s: SplitScores | Scores): Scores {
  const r = (x: number) => Math.round(x * 1e6) / 1e6;
  return { loss: r(s.loss), bleu1: r(s.bleu1), bleu2: r(s.bleu2), rougeL: r(s.rougeL), meteor: r(s.meteor) };
}

function formatScores(s: Scores): string {
  return `loss ${s.loss.toFixed(3)}, BLEU-1 ${s.bleu1.toFixed(3)}, BLEU-2 ${s.bleu2.toFixed(3)}, ROUGE-L ${s.rougeL.toFixed(3)}, METEOR ${s.meteor.toFixed(3)}`;
}

async function createContext(o: ResolvedCaptionerOptions, log: (m: string) => void): Promise<ObjectiveContext> {
  const backend = await selectBackend({ log });
  const given = o.baseModel ? await loadCaptioner(o.baseModel) : null;
  const imageSize = given?.model.config.encoder.imageSize ?? (o.pretrain?.encoder ?? DEFAULT_ENCODER).imageSize;
  const data = await loadFinetuneData(o.data, imageSize);
  log(`[captioner] fine-tuning data: ${data.summary}: ${data.train.length} train / ${data.validation.length} validation / ${data.test.length} test`);
  const base = given
    ? { ...given, dir: o.baseModel as string }
    : await ensurePretrained({ cacheDir: o.cacheDir, pretrain: o.pretrain, vocabularyTexts: data.vocabularyTexts, log });
  log(`[captioner] base model ${base.dir} (${base.model.parameterCount()} parameters, vocabulary ${base.tokenizer.size})`);
  const prepare = (split: typeof data.train) => prepareExamples(split, "title", base.tokenizer, base.model.config.encoder, base.model.config.decoder.maxTokens);
  return { backend, base, train: prepare(data.train), validation: prepare(data.validation), test: prepare(data.test), dataSummary: data.summary, baselines: null };
}

interface RunResult {
  readonly value: number;
  readonly validation: SplitScores;
  readonly test: SplitScores;
}

/** Fine-tunes a copy of the base with `hp`; `onEpoch` may throw to stop (pruning). */
async function fineTune(
  ctx: ObjectiveContext,
  o: ResolvedCaptionerOptions,
  hp: CaptionerHyperparameters,
  seed: number,
  hooks: {
    onEpoch?: (epoch: number, value: number, scores: SplitScores, state: () => Uint8Array) => Promise<void>;
    resume?: Uint8Array | null;
    log: (m: string) => void;
  },
): Promise<RunResult> {
  const model: CaptionerModel = ctx.base.model.clone();
  let trainer: CaptionTrainer | null = null;
  try {
    const trainable = prepareTrainable(model, hp.freeze, { r: hp.loraR, alpha: hp.loraAlpha, dropout: hp.loraDropout, targets: o.loraTargets }, seed);
    const variables = [...trainable.values()];
    trainer = new CaptionTrainer(model, variables, ctx.train, {
      batchSize: o.batchSize,
      learningRate: hp.lr,
      epochs: hp.epochs,
      warmupFraction: o.warmupFraction,
      weightDecay: o.weightDecay,
      clipNorm: o.clipNorm,
      seed,
    });
    const hpRecord = { ...hp } as Record<string, string | number>;
    let history: { epoch: number; value: number }[] = [];
    let start = 1;
    if (hooks.resume) {
      const state = decodeCheckpoint(hooks.resume);
      const same = JSON.stringify(state.hyperparameters) === JSON.stringify(hpRecord) && state.tensors.size === trainable.size && [...trainable.keys()].every((k) => state.tensors.has(k));
      if (same) {
        tf.tidy(() => {
          for (const [name, v] of trainable) {
            const t = state.tensors.get(name);
            if (t) v.assign(tf.tensor(t.values, [...t.shape]));
          }
        });
        trainer.optimizer.restore(state.optimizer.step, state.optimizer.m, state.optimizer.v);
        trainer.resumeAt(state.globalStep);
        start = state.epoch + 1;
        history = [...state.history];
        hooks.log(`[captioner] resumed from the checkpoint after epoch ${state.epoch}`);
      } else {
        hooks.log("[captioner] checkpoint has other hyperparameters; starting over");
      }
    }
    const snapshot = (epoch: number) => (): Uint8Array => {
      const opt = trainer!.optimizer.state();
      return encodeCheckpoint({
        epoch,
        globalStep: trainer!.globalStep,
        hyperparameters: hpRecord,
        history,
        tensors: new Map([...trainable].map(([name, v]) => [name, { shape: [...v.shape], values: v.dataSync() as Float32Array }])),
        optimizer: { step: opt.step, m: opt.m.map((x) => x.dataSync() as Float32Array), v: opt.v.map((x) => x.dataSync() as Float32Array) },
      });
    };
    let validation: SplitScores | null = null;
    let value = NaN;
    for (let epoch = start; epoch <= hp.epochs; epoch++) {
      const r = trainer.trainEpoch(epoch);
      validation = scoreSplit(model, ctx.base.tokenizer, ctx.validation, { beamWidth: o.beamWidth });
      value = metricValue(validation, o.metric);
      history.push({ epoch, value });
      hooks.log(
        `[captioner] epoch ${epoch}/${hp.epochs}: train loss ${r.trainLoss.toFixed(3)} (${(ctx.train.length / r.seconds).toFixed(0)} images/s); validation ${formatScores(scoresOf(validation))}`,
      );
      await hooks.onEpoch?.(epoch, value, validation, snapshot(epoch));
    }
    if (!validation) {
      validation = scoreSplit(model, ctx.base.tokenizer, ctx.validation, { beamWidth: o.beamWidth });
      value = metricValue(validation, o.metric);
    }
    // Inference on the merged weights: what a deployed fine-tuned model would run.
    const merged = model.merged();
    try {
      const test = scoreSplit(merged, ctx.base.tokenizer, ctx.test, { beamWidth: o.beamWidth });
      return { value, validation, test };
    } finally {
      merged.dispose();
    }
  } finally {
    trainer?.dispose();
    model.dispose();
  }
}

function baselinesKey(o: ResolvedCaptionerOptions): string {
  const h = createHash("sha256");
  h.update(JSON.stringify({ data: o.data, epochs: o.space.epochs[1], batchSize: o.batchSize, beamWidth: o.beamWidth, seed: o.seed, version: 1 }));
  return h.digest("hex").slice(0, 12);
}

async function computeBaselines(ctx: ObjectiveContext, o: ResolvedCaptionerOptions, log: (m: string) => void): Promise<CaptionerBaselines> {
  const file = join(ctx.base.dir, `baselines-${baselinesKey(o)}.json`);
  if (existsSync(file)) {
    try {
      return JSON.parse(await readFile(file, "utf8")) as CaptionerBaselines;
    } catch {
      // Unreadable (another process mid-write on a filesystem without atomic rename): recompute.
    }
  }
  log("[captioner] scoring the baselines once: the pretrained base without fine-tuning, and a frozen-decoder run");
  const pretrained = scoresOf(scoreSplit(ctx.base.model, ctx.base.tokenizer, ctx.test, { beamWidth: o.beamWidth }));
  log(`[captioner] baseline pretrained (no fine-tuning): test ${formatScores(pretrained)}`);
  const hp: CaptionerHyperparameters = { lr: 3e-3, loraR: 0, loraAlpha: 1, loraDropout: 0, freeze: "decoder", epochs: o.space.epochs[1] };
  const frozen = await fineTune(ctx, o, hp, o.seed, { log: () => {} });
  const frozenDecoder = scoresOf(frozen.test);
  log(`[captioner] baseline frozen decoder: test ${formatScores(frozenDecoder)}`);
  const baselines = { pretrained, frozenDecoder };
  // Written atomically, and only if the base folder is writable (a read-only base recomputes).
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(baselines, null, 1))
    .then(() => rename(tmp, file))
    .catch(() => {});
  return baselines;
}

/**
 * Builds the objective.
 *
 * @example
 * export default defineStudy({
 *   name: "captioner", direction: "maximize",
 *   sampler: new TPESampler({ seed: 1 }), pruner: new HyperbandPruner({ minResource: 1, maxResource: 8 }),
 *   nTrials: 12, objective: captionerObjective({ metric: "meteor" }),
 * });
 */
export function captionerObjective(options: CaptionerObjectiveOptions = {}): (trial: CaptionerTrial) => Promise<number> {
  const parsed = captionerObjectiveOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new Error(`captionerObjective: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(options)"}: ${i.message}`).join("; ")}`);
  }
  const o = parsed.data;
  const log = o.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  let context: Promise<ObjectiveContext> | null = null;
  return async (trial) => {
    context ??= createContext(o, log);
    let ctx: ObjectiveContext;
    try {
      ctx = await context;
    } catch (e) {
      context = null; // let the next trial try again (e.g. after a transient file error)
      throw e;
    }
    const hp = readHyperparameters(trial, o.space);
    const tag = `[captioner] trial ${trial.number}`;
    log(`${tag}: lr ${hp.lr.toPrecision(3)}, LoRA r ${hp.loraR}${hp.loraR > 0 ? ` alpha ${hp.loraAlpha.toPrecision(3)} dropout ${hp.loraDropout.toFixed(2)}` : " (full fine-tuning)"}, freeze ${hp.freeze}, ${hp.epochs} epochs`);
    const store = checkpointStoreOf(trial);
    const saved = store ? await store.load() : null;
    const result = await fineTune(ctx, o, hp, o.seed + trial.number, {
      resume: saved instanceof Uint8Array ? saved : null,
      log: (m) => log(m.replace("[captioner]", tag)),
      onEpoch: async (epoch, value, _scores, state) => {
        trial.report(value, epoch);
        if (store) await store.save(state());
        if (await trial.shouldPrune()) throw new TrialPruned(`pruned after epoch ${epoch} (${o.metric} ${value.toFixed(4)})`);
      },
    });
    const test = scoresOf(result.test);
    await trial.setUserAttr("test", test as unknown as AttrValue);
    await trial.setUserAttr("validation", scoresOf(result.validation) as unknown as AttrValue);
    if (result.test.samples[0]) await trial.setUserAttr("sample", `${result.test.samples[0].prediction} ⟵ ${result.test.samples[0].reference}`);
    if (o.baselines) {
      ctx.baselines ??= computeBaselines(ctx, o, log);
      const b = await ctx.baselines;
      const better = (x: number, y: number) => (o.metric === "validationLoss" ? x < y : x > y);
      const beats = [
        ...(better(metricValue(test, o.metric), metricValue(b.pretrained, o.metric)) ? ["pretrained (no fine-tuning)"] : []),
        ...(better(metricValue(test, o.metric), metricValue(b.frozenDecoder, o.metric)) ? ["frozen decoder"] : []),
      ];
      await trial.setUserAttr("baselines", { pretrained: b.pretrained, frozenDecoder: b.frozenDecoder } as unknown as AttrValue);
      await trial.setUserAttr("beats", beats);
    }
    log(`${tag}: test ${formatScores(test)}`);
    return result.value;
  };
}
