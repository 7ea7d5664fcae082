import { z } from "zod";
import type { FrozenTrial } from "../vocabulary/frozen-trial.ts";
import { StepView } from "../vocabulary/step-series.ts";
import { lastStep } from "../vocabulary/frozen-trial.ts";
import type { StudyView } from "../vocabulary/study-view.ts";
import type { Pruner } from "./pruner.ts";
import { CompletedStepIndex } from "./internal/completed-step-index.ts";
import { isFirstInIntervalStep } from "./internal/interval-step.ts";
import { nanMax, nanMin, percentileOfSorted } from "../numpy/index.ts";
import { intAtLeast, parsePrunerOptions } from "./internal/pruner-options.ts";
import { singleDirection } from "./internal/single-direction.ts";

/** Options shared by {@link PercentilePruner} and {@link MedianPruner}. */
export interface PercentileRuleOptions {
  /** No pruning until this many trials have completed. Default 5. */
  nStartupTrials?: number;
  /** No pruning before this step (steps count from 0). Default 0. */
  nWarmupSteps?: number;
  /** Check every this many steps after the warm-up; a check on an unreported step waits for the next report. Default 1. */
  intervalSteps?: number;
  /** Do not prune at a step fewer than this many completed trials reported. Default 1. */
  nMinTrials?: number;
}

/** Options of {@link PercentilePruner}. */
export interface PercentilePrunerOptions extends PercentileRuleOptions {
  /** Keep the trials whose best value is in the top `percentile` percent (0..100). */
  percentile: number;
}

const ruleShape = {
  nStartupTrials: intAtLeast(0).default(5),
  nWarmupSteps: intAtLeast(0).default(0),
  intervalSteps: intAtLeast(1).default(1),
  nMinTrials: intAtLeast(1).default(1),
};

const percentileSchema = z.strictObject({
  percentile: z
    .number({ error: "is required and must be a number" })
    .min(0, { error: "must be between 0 and 100" })
    .max(100, { error: "must be between 0 and 100" }),
  ...ruleShape,
});

/** Schema of the shared rule options (MedianPruner's whole option set). */
export const percentileRuleSchema = z.strictObject(ruleShape);

type ResolvedOptions = z.output<typeof percentileSchema>;

/**
 * Prunes a trial whose best intermediate value so far is worse than the given percentile of
 * the completed trials' values at the same step (Optuna's PercentilePruner).
 *
 * @example
 * createStudy({ pruner: new PercentilePruner({ percentile: 25, nStartupTrials: 5, nWarmupSteps: 3 }) })
 */
export class PercentilePruner implements Pruner {
  /** Compares against COMPLETE trials only, as Optuna does. */
  readonly usesRunningTrials = false;
  readonly #options: ResolvedOptions;
  readonly #name: string;
  /** Per study name: sorted per-step values of its COMPLETE trials. */
  readonly #indexes = new Map<string, CompletedStepIndex>();

  /** `prunerName` only labels option errors (MedianPruner passes its own). */
  constructor(options: PercentilePrunerOptions, prunerName = "PercentilePruner") {
    this.#name = prunerName;
    this.#options = parsePrunerOptions(prunerName, percentileSchema, options);
  }

  /** True when the trial's best value is worse than the percentile of completed trials at its last step. */
  prune(study: StudyView, trial: FrozenTrial): boolean {
    const o = this.#options;
    const completed = study.getTrials(["COMPLETE"]);
    if (completed.length === 0 || completed.length < o.nStartupTrials) return false;

    const step = lastStep(trial);
    if (step === undefined || step < o.nWarmupSteps) return false;
    if (!isFirstInIntervalStep(step, trial.intermediateValues, o.nWarmupSteps, o.intervalSteps)) return false;

    const direction = singleDirection(study, this.#name);
    const best = bestSoFar(trial.intermediateValues, direction === "maximize");
    // A trial that has only ever reported NaN is hopeless, as in Optuna.
    if (Number.isNaN(best)) return true;

    const index = this.#indexFor(study.studyName);
    index.sync(study);
    const column = index.column(step);
    if (column.count < o.nMinTrials) return false;
    const p = percentileOfSorted(column.sorted, direction === "maximize" ? 100 - o.percentile : o.percentile);
    if (Number.isNaN(p)) return false;
    return direction === "maximize" ? best < p : best > p;
  }

  #indexFor(studyName: string): CompletedStepIndex {
    let index = this.#indexes.get(studyName);
    if (!index) this.#indexes.set(studyName, (index = new CompletedStepIndex()));
    return index;
  }
}

/** The trial's best value over its steps (np.nanmax / np.nanmin): O(1) on a running trial's snapshot. */
function bestSoFar(reported: ReadonlyMap<number, number>, maximize: boolean): number {
  if (reported instanceof StepView) return maximize ? reported.nanMax : reported.nanMin;
  return maximize ? nanMax(reported.values()) : nanMin(reported.values());
}
