/**
 * The captioner objective: each trial fine-tunes a captioner — hpo's own (pretrained once
 * on synthetic plates) or a Hugging Face ViT + GPT-2 checkpoint (`model.pretrained`) — on
 * the target captions with its own lr, LoRA r/alpha/dropout, freeze mode and epochs,
 * reports a validation metric every epoch for pruning, checkpoints when the trial can
 * store one, keeps its best epoch's weights, and records their test-split scores.
 */
import { join } from "node:path";
import type { AttrValue } from "../../src/vocabulary/frozen-trial.ts";
import { TrialPruned } from "../../src/vocabulary/trial-pruned.ts";
import { selectBackend } from "./backend/select-backend.ts";
import { type CaptionerObjectiveOptions, captionerObjectiveOptionsSchema, type ResolvedCaptionerOptions } from "./captioner-options.ts";
import { type CaptionerTrial, checkpointStoreOf } from "./captioner-trial.ts";
import { readHyperparameters } from "./hyperparameters.ts";
import { pretrainedTunable } from "./pretrained/pretrained-tuning.ts";
import { baselineParams, type CaptionerBaselines, computeBaselines } from "./tuning/baselines.ts";
import { fineTune, formatScores, isBetter, metricValue, scoresOf } from "./tuning/fine-tune.ts";
import type { TunableCaptioner } from "./tuning/tuning-run.ts";
import type { SplitScores } from "./training/evaluation.ts";
import { wordCaptionerTunable } from "./tuning/word-captioner-tuning.ts";

export { metricValue };
export type { CaptionerBaselines };

async function createTunable(o: ResolvedCaptionerOptions, log: (m: string) => void): Promise<TunableCaptioner> {
  await selectBackend({ log });
  const tunable = o.model ? await pretrainedTunable(o, log) : await wordCaptionerTunable(o, log);
  log(`[captioner] ${tunable.description}`);
  return tunable;
}

/** A folder name for the study a trial belongs to. */
function studyFolder(trial: CaptionerTrial): string {
  return (trial.studyName ?? "study").replace(/[^\w.-]+/g, "_");
}

/** What the captioner reports per epoch, by name, as the metrics' usual short names. */
export function epochMetrics(scores: SplitScores, trainLoss: number): Record<string, number> {
  return { train_loss: trainLoss, val_loss: scores.loss, bleu1: scores.bleu1, bleu2: scores.bleu2, rouge_l: scores.rougeL, meteor: scores.meteor };
}

/**
 * An epoch's report: every metric by name, with the objective's metric also under the
 * study's watched name when that is none of them (a study without `metric` watches
 * "value"), so pruners see what they saw before named metrics. A trial without named
 * metrics gets the one number.
 */
function epochReport(trial: CaptionerTrial, value: number, scores: SplitScores, trainLoss: number): number | Record<string, number> {
  const watched = trial.metricName;
  if (watched === undefined) return value;
  const metrics = epochMetrics(scores, trainLoss);
  if (!Object.hasOwn(metrics, watched)) metrics[watched] = value;
  return metrics;
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
 * // A downloaded checkpoint instead of hpo's own captioner:
 * captionerObjective({ model: { pretrained: "models/vit-gpt2-image-captioning" }, data: { kind: "food-recipes", root: "data/recipes" } });
 */
export function captionerObjective(options: CaptionerObjectiveOptions = {}): (trial: CaptionerTrial) => Promise<number> {
  const parsed = captionerObjectiveOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new Error(`captionerObjective: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(options)"}: ${i.message}`).join("; ")}`);
  }
  const o = parsed.data;
  const log = o.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  let context: Promise<TunableCaptioner> | null = null;
  const baselines = new Map<string, Promise<CaptionerBaselines>>();
  return async (trial) => {
    context ??= createTunable(o, log);
    let captioner: TunableCaptioner;
    try {
      captioner = await context;
    } catch (e) {
      context = null; // let the next trial try again (e.g. after a transient file error)
      throw e;
    }
    const hp = readHyperparameters(trial, o.space);
    const tag = `[captioner] trial ${trial.number}`;
    log(`${tag}: lr ${hp.lr.toPrecision(3)}, LoRA r ${hp.loraR}${hp.loraR > 0 ? ` alpha ${hp.loraAlpha.toPrecision(3)} dropout ${hp.loraDropout.toFixed(2)}` : " (full fine-tuning)"}, freeze ${hp.freeze}, ${hp.epochs} epochs`);
    const store = checkpointStoreOf(trial);
    const saved = store ? await store.load() : null;
    const saveTo = o.model?.saveTrials ? join(o.cacheDir, "trials", studyFolder(trial), `trial-${trial.number}`) : undefined;
    const result = await fineTune(captioner, hp, o.seed + trial.number, o.metric, {
      resume: saved instanceof Uint8Array ? saved : null,
      saveTo,
      log: (m) => log(m.replace("[captioner]", tag)),
      onEpoch: async (epoch, value, scores, state, trainLoss) => {
        trial.report(epochReport(trial, value, scores, trainLoss), epoch);
        if (store) await store.save(state());
        if (await trial.shouldPrune()) throw new TrialPruned(`pruned after epoch ${epoch} (${o.metric} ${value.toFixed(4)})`);
      },
    });
    const test = scoresOf(result.test);
    await trial.setUserAttr("test", test as unknown as AttrValue);
    await trial.setUserAttr("validation", scoresOf(result.validation) as unknown as AttrValue);
    await trial.setUserAttr("bestEpoch", result.bestEpoch);
    const samples = result.test.samples;
    if (samples.length > 0) {
      // A different test image per trial, so a study's samples show the whole split.
      const s = samples[trial.number % samples.length];
      await trial.setUserAttr("sample", `${s.prediction} ⟵ ${s.reference}`);
    }
    if (saveTo && result.saved) await trial.setUserAttr(hp.loraR >= 1 ? "adapter" : "fineTunedWeights", saveTo);
    if (o.baselines) {
      const params = baselineParams(o, trial.distributions);
      const key = JSON.stringify(params);
      let pending = baselines.get(key);
      if (!pending) baselines.set(key, (pending = computeBaselines(captioner, o, params, log)));
      const b = await pending;
      const beats = [
        ...(isBetter(metricValue(test, o.metric), metricValue(b.pretrained, o.metric), o.metric) ? ["pretrained (no fine-tuning)"] : []),
        ...(isBetter(metricValue(test, o.metric), metricValue(b.frozenDecoder, o.metric), o.metric) ? ["frozen decoder"] : []),
      ];
      await trial.setUserAttr("baselines", { pretrained: b.pretrained, frozenDecoder: b.frozenDecoder, frozenDecoderParams: b.frozenDecoderParams } as unknown as AttrValue);
      await trial.setUserAttr("beats", beats);
    }
    log(`${tag}: best epoch ${result.bestEpoch} (validation ${o.metric} ${result.value.toFixed(4)}); test ${formatScores(test)}`);
    return result.value;
  };
}
