import { z } from "zod";
import type { FrozenTrial } from "../vocabulary/frozen-trial.ts";
import { lastStep } from "../vocabulary/frozen-trial.ts";
import type { Pruner } from "./pruner.ts";
import { isFirstInIntervalStep } from "./internal/interval-step.ts";
import { intAtLeast, parsePrunerOptions } from "./internal/pruner-options.ts";

/** Options of {@link ThresholdPruner}; give `lower`, `upper` or both. */
export interface ThresholdPrunerOptions {
  /** Prune when the latest value falls below this. */
  lower?: number;
  /** Prune when the latest value rises above this. */
  upper?: number;
  /** No pruning before this step. Default 0. */
  nWarmupSteps?: number;
  /** Check every this many steps after the warm-up. Default 1. */
  intervalSteps?: number;
}

// zod's number() already rejects NaN, which would silently disable a bound.
const bound = z.number({ error: "must be a number" });

const thresholdSchema = z
  .strictObject({
    lower: bound.optional(),
    upper: bound.optional(),
    nWarmupSteps: intAtLeast(0).default(0),
    intervalSteps: intAtLeast(1).default(1),
  })
  .refine((o) => o.lower !== undefined || o.upper !== undefined, { error: "give lower, upper or both" })
  .refine((o) => (o.lower ?? -Infinity) <= (o.upper ?? Infinity), { error: "lower must not be greater than upper" });

/**
 * Prunes a trial whose latest intermediate value leaves [lower, upper] or is NaN
 * (Optuna's ThresholdPruner). Direction-free: the bounds are absolute.
 *
 * @example
 * new ThresholdPruner({ upper: 1.0, nWarmupSteps: 2 }) // stop diverging losses
 */
export class ThresholdPruner implements Pruner {
  /** Looks at the trial's own reports only. */
  readonly usesRunningTrials = false;
  readonly #lower: number;
  readonly #upper: number;
  readonly #nWarmupSteps: number;
  readonly #intervalSteps: number;

  constructor(options: ThresholdPrunerOptions) {
    const o = parsePrunerOptions("ThresholdPruner", thresholdSchema, options);
    this.#lower = o.lower ?? -Infinity;
    this.#upper = o.upper ?? Infinity;
    this.#nWarmupSteps = o.nWarmupSteps;
    this.#intervalSteps = o.intervalSteps;
  }

  /** True when the value at the trial's last step is NaN or outside the bounds. */
  prune(_study: unknown, trial: FrozenTrial): boolean {
    const step = lastStep(trial);
    if (step === undefined || step < this.#nWarmupSteps) return false;
    if (!isFirstInIntervalStep(step, trial.intermediateValues, this.#nWarmupSteps, this.#intervalSteps)) return false;
    const latest = trial.intermediateValues.get(step) as number;
    return Number.isNaN(latest) || latest < this.#lower || latest > this.#upper;
  }
}
