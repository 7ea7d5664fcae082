import type { Distribution } from "../vocabulary/distribution.ts";
import { distributionsEqual, isSingleValue, toInternal } from "../distributions/distribution-ops.ts";
import type { FrozenTrial } from "../vocabulary/frozen-trial.ts";

/** One input column: a parameter on the scale it is measured on (log for log ranges). */
export interface ImportanceFeature {
  readonly name: string;
  readonly distribution: Distribution;
  /** Categorical features are split by subsets of choices; numeric ones by thresholds. */
  readonly categorical: boolean;
  /** Numeric domain on the measured scale, or [0, choices) for categoricals. */
  readonly low: number;
  readonly high: number;
  /** Number of choices (categoricals), else 0. */
  readonly choices: number;
}

/** The matrix a forest is fitted on. */
export interface ImportanceDataset {
  readonly features: readonly ImportanceFeature[];
  /** Params present in every trial but with a single possible value (importance 0 by definition). */
  readonly constant: readonly string[];
  /** Column-major inputs: columns[f][i] is feature f of sample i. */
  readonly columns: readonly Float64Array[];
  readonly y: Float64Array;
}

/**
 * Builds the dataset from COMPLETE trials with a finite value of objective `objective`,
 * over the params every such trial has with the same distribution (Optuna's intersection
 * search space), ordered by trial number so the result does not depend on input order.
 */
export function buildImportanceDataset(trials: readonly FrozenTrial[], objective: number, only?: readonly string[]): ImportanceDataset {
  const usable = trials
    .filter((t) => t.state === "COMPLETE" && t.values !== null && Number.isFinite(t.values[objective]))
    .sort((a, b) => a.number - b.number);
  const space = intersectionSpace(usable, only);
  const features: ImportanceFeature[] = [];
  const constant: string[] = [];
  for (const [name, d] of space) {
    if (isSingleValue(d)) constant.push(name);
    else features.push(featureOf(name, d));
  }
  const columns = features.map(() => new Float64Array(usable.length));
  const y = new Float64Array(usable.length);
  usable.forEach((t, i) => {
    y[i] = t.values![objective];
    features.forEach((f, j) => (columns[j][i] = measure(f, toInternal(f.distribution, t.params[f.name]))));
  });
  return { features, constant, columns, y };
}

function intersectionSpace(trials: readonly FrozenTrial[], only: readonly string[] | undefined): Map<string, Distribution> {
  const space = new Map<string, Distribution>();
  if (trials.length === 0) return space;
  for (const [name, d] of Object.entries(trials[0].distributions)) if (!only || only.includes(name)) space.set(name, d);
  for (const t of trials.slice(1)) {
    for (const [name, d] of space) {
      const other = t.distributions[name];
      if (!other || !distributionsEqual(d, other)) space.delete(name);
    }
  }
  return new Map([...space].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function featureOf(name: string, d: Distribution): ImportanceFeature {
  if (d.type === "categorical") return { name, distribution: d, categorical: true, low: 0, high: d.choices.length, choices: d.choices.length };
  // Log ranges are measured (and sampled) on the log scale, so "low learning rates" is a real share of the range.
  return d.log
    ? { name, distribution: d, categorical: false, low: Math.log(d.low), high: Math.log(d.high), choices: 0 }
    : { name, distribution: d, categorical: false, low: d.low, high: d.high, choices: 0 };
}

function measure(f: ImportanceFeature, internal: number): number {
  if (f.categorical) return Math.round(internal);
  return f.distribution.type !== "categorical" && f.distribution.log ? Math.log(internal) : internal;
}
