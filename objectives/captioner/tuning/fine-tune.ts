/**
 * One trial's fine-tuning loop, whichever captioner: epochs of training, validation scores
 * after each (reported for pruning, checkpointed when the trial can store one), the best
 * epoch's weights kept — the trial's value, its test scores and what it saves are those of
 * the best validation epoch, not of the last one.
 */
import * as tf from "@tensorflow/tfjs";
import type { CaptionerMetric } from "../captioner-options.ts";
import type { CaptionerHyperparameters } from "../hyperparameters.ts";
import { decodeCheckpoint, encodeCheckpoint } from "../training/checkpoint.ts";
import type { SplitScores } from "../training/evaluation.ts";
import type { TunableCaptioner } from "./tuning-run.ts";

type Scores = { readonly loss: number; readonly bleu1: number; readonly bleu2: number; readonly rougeL: number; readonly meteor: number };

/** The value of `metric` in `scores`. */
export function metricValue(scores: SplitScores | Scores, metric: CaptionerMetric): number {
  return metric === "validationLoss" ? scores.loss : scores[metric];
}

/** Whether `a` is better than `b` for `metric` (NaN never is). */
export function isBetter(a: number, b: number, metric: CaptionerMetric): boolean {
  if (Number.isNaN(a)) return false;
  if (Number.isNaN(b)) return true;
  return metric === "validationLoss" ? a < b : a > b;
}

/** Rounded scores without the samples (user attributes). */
export function scoresOf(s: SplitScores | Scores): Scores {
  const r = (x: number) => Math.round(x * 1e6) / 1e6;
  return { loss: r(s.loss), bleu1: r(s.bleu1), bleu2: r(s.bleu2), rougeL: r(s.rougeL), meteor: r(s.meteor) };
}

/** One line of scores. */
export function formatScores(s: Scores): string {
  return `loss ${s.loss.toFixed(3)}, BLEU-1 ${s.bleu1.toFixed(3)}, BLEU-2 ${s.bleu2.toFixed(3)}, ROUGE-L ${s.rougeL.toFixed(3)}, METEOR ${s.meteor.toFixed(3)}`;
}

/** What a run ends with. */
export interface FineTuneResult {
  /** The best validation epoch's metric (the trial's value). */
  readonly value: number;
  readonly bestEpoch: number;
  readonly validation: SplitScores;
  readonly test: SplitScores;
  /** Tensor names written by `saveTo`, if it was given and the run can save. */
  readonly saved: readonly string[] | null;
}

/** Hooks into the loop. */
export interface FineTuneHooks {
  /** After each epoch; may throw to stop (pruning). `state()` serialises a checkpoint. */
  readonly onEpoch?: (epoch: number, value: number, scores: SplitScores, state: () => Uint8Array, trainLoss: number) => Promise<void>;
  /** A checkpoint to resume from. */
  readonly resume?: Uint8Array | null;
  /** Where to save what the run learned (best epoch). */
  readonly saveTo?: string;
  readonly log: (message: string) => void;
}

type Snapshot = Map<string, { shape: number[]; values: Float32Array }>;

function snapshotOf(trainable: ReadonlyMap<string, tf.Variable>): Snapshot {
  return new Map([...trainable].map(([name, v]) => [name, { shape: [...v.shape], values: (v.dataSync() as Float32Array).slice() }]));
}

function restore(trainable: ReadonlyMap<string, tf.Variable>, tensors: ReadonlyMap<string, { readonly shape: readonly number[]; readonly values: Float32Array }>): void {
  tf.tidy(() => {
    for (const [name, v] of trainable) {
      const t = tensors.get(name);
      if (t) v.assign(tf.tensor(t.values, [...t.shape]));
    }
  });
}

/** Fine-tunes `captioner` with `hp` for one trial. */
export async function fineTune(captioner: TunableCaptioner, hp: CaptionerHyperparameters, seed: number, metric: CaptionerMetric, hooks: FineTuneHooks): Promise<FineTuneResult> {
  const run = captioner.startRun(hp, seed);
  try {
    const { trainable, trainer } = run;
    const hpRecord = { ...hp } as Record<string, string | number>;
    let history: { epoch: number; value: number }[] = [];
    let best: { epoch: number; value: number; validation: SplitScores | null; tensors: Snapshot | null } | null = null;
    let start = 1;
    if (hooks.resume) {
      const state = decodeCheckpoint(hooks.resume);
      const same = JSON.stringify(state.hyperparameters) === JSON.stringify(hpRecord) && state.tensors.size === trainable.size && [...trainable.keys()].every((k) => state.tensors.has(k));
      if (same) {
        restore(trainable, state.tensors);
        trainer.optimizer.restore(state.optimizer.step, state.optimizer.m, state.optimizer.v);
        trainer.resumeAt(state.globalStep);
        start = state.epoch + 1;
        history = [...state.history];
        const bestEntry = history.reduce<{ epoch: number; value: number } | null>((b, h) => (b === null || isBetter(h.value, b.value, metric) ? h : b), null);
        if (bestEntry) {
          const tensors =
            bestEntry.epoch === state.epoch
              ? snapshotOf(trainable)
              : state.best && state.best.epoch === bestEntry.epoch
                ? new Map([...state.best.tensors].map(([k, t]) => [k, { shape: [...t.shape], values: t.values }]))
                : null;
          best = { ...bestEntry, validation: null, tensors };
        }
        hooks.log(`[captioner] resumed from the checkpoint after epoch ${state.epoch}`);
      } else {
        hooks.log("[captioner] checkpoint has other hyperparameters; starting over");
      }
    }
    const snapshot = (epoch: number) => (): Uint8Array => {
      const opt = trainer.optimizer.state();
      const current = snapshotOf(trainable);
      return encodeCheckpoint({
        epoch,
        globalStep: trainer.globalStep,
        hyperparameters: hpRecord,
        history,
        tensors: current,
        optimizer: { step: opt.step, m: opt.m.map((x) => x.dataSync() as Float32Array), v: opt.v.map((x) => x.dataSync() as Float32Array) },
        ...(best && best.epoch !== epoch && best.tensors ? { best: { epoch: best.epoch, value: best.value, tensors: best.tensors } } : {}),
      });
    };
    let last: SplitScores | null = null;
    for (let epoch = start; epoch <= hp.epochs; epoch++) {
      const r = trainer.trainEpoch(epoch);
      const validation = run.score("validation");
      const value = metricValue(validation, metric);
      last = validation;
      history.push({ epoch, value });
      const improved = best === null || isBetter(value, best.value, metric);
      if (improved) best = { epoch, value, validation, tensors: epoch < hp.epochs ? snapshotOf(trainable) : null };
      hooks.log(
        `[captioner] epoch ${epoch}/${hp.epochs}: train loss ${r.trainLoss.toFixed(3)} (${(captioner.trainSize / r.seconds).toFixed(1)} images/s); validation ${formatScores(scoresOf(validation))}${improved ? " (best so far)" : ""}`,
      );
      await hooks.onEpoch?.(epoch, value, validation, snapshot(epoch), r.trainLoss);
    }
    const lastEpoch = history.length ? history[history.length - 1].epoch : 0;
    if (best && best.epoch !== lastEpoch) {
      if (best.tensors) {
        restore(trainable, best.tensors);
        hooks.log(`[captioner] keeping epoch ${best.epoch}'s weights (best validation ${metric} ${best.value.toFixed(4)})`);
      } else {
        // A checkpoint from before best states were saved: the last weights are what there is.
        best = null;
      }
    }
    let validation = best?.validation ?? (best ? null : last);
    if (!validation) validation = run.score("validation");
    const value = best?.value ?? metricValue(validation, metric);
    const test = run.score("test");
    const saved = hooks.saveTo && run.save ? await run.save(hooks.saveTo) : null;
    return { value, bestEpoch: best?.epoch ?? lastEpoch, validation, test, saved };
  } finally {
    run.dispose();
  }
}
