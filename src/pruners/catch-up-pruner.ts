import { z } from "zod";
import type { FrozenTrial } from "../vocabulary/frozen-trial.ts";
import { lastStep } from "../vocabulary/frozen-trial.ts";
import type { StudyView } from "../vocabulary/study-view.ts";
import type { Pruner } from "./pruner.ts";
import { CompletedStepIndex } from "./internal/completed-step-index.ts";
import { percentileOfSorted } from "../numpy/index.ts";
import { intAtLeast, parsePrunerOptions } from "./internal/pruner-options.ts";
import { singleDirection } from "./internal/single-direction.ts";

/** Options of {@link CatchUpPruner}. */
export interface CatchUpPrunerOptions {
  /** The completed trials' final values the trial must still be able to reach: this percentile of them (best = 0). Default 50. */
  percentile?: number;
  /** No pruning until this many trials have completed. Default 5. */
  nStartupTrials?: number;
  /** No pruning before this step. Default 0. */
  nWarmupSteps?: number;
}

const schema = z.strictObject({
  percentile: z
    .number({ error: "must be a number" })
    .min(0, { error: "must be between 0 and 100" })
    .max(100, { error: "must be between 0 and 100" })
    .default(50),
  nStartupTrials: intAtLeast(1).default(5),
  nWarmupSteps: intAtLeast(0).default(0),
});

/**
 * Prunes a trial only once it can no longer catch up: even if it improved from its latest
 * report to the end as much as the most-improving completed trial did from that step, it
 * would finish worse than the given percentile (default: the median) of the completed
 * trials' final values. Unlike the median rule, a slow starter whose curve will cross the
 * fast ones is kept as long as some completed trial improved that much; a trial that has
 * levelled off at a poor value stops early. hpo's own rule, not in Optuna; see
 * docs/pruners.md for the benchmark behind it.
 *
 * @example
 * createStudy({ pruner: new CatchUpPruner() })
 */
export class CatchUpPruner implements Pruner {
  /** Compares against COMPLETE trials only. */
  readonly usesRunningTrials = false;
  readonly #percentile: number;
  readonly #nStartupTrials: number;
  readonly #nWarmupSteps: number;
  readonly #indexes = new Map<string, CompletedStepIndex>();

  constructor(options: CatchUpPrunerOptions = {}) {
    const o = parsePrunerOptions("CatchUpPruner", schema, options);
    this.#percentile = o.percentile;
    this.#nStartupTrials = o.nStartupTrials;
    this.#nWarmupSteps = o.nWarmupSteps;
  }

  /** True when the latest value, improved by the largest gain any completed trial made from this step, misses the target. */
  prune(study: StudyView, trial: FrozenTrial): boolean {
    const completed = study.getTrials(["COMPLETE"]);
    if (completed.length < this.#nStartupTrials) return false;
    const step = lastStep(trial);
    if (step === undefined || step < this.#nWarmupSteps) return false;
    const latest = trial.intermediateValues.get(step) as number;
    if (Number.isNaN(latest)) return true;

    let index = this.#indexes.get(study.studyName);
    if (!index) this.#indexes.set(study.studyName, (index = new CompletedStepIndex()));
    index.sync(study);
    const column = index.column(step);
    // No completed trial shows how much can still be gained from this step: keep going.
    if (Number.isNaN(column.maxDrop)) return false;

    if (singleDirection(study, "CatchUpPruner") === "maximize") {
      const target = percentileOfSorted(index.finals, 100 - this.#percentile);
      // Gains are rises here: the largest (final - value at step) is -minDrop.
      return latest - column.minDrop < target;
    }
    const target = percentileOfSorted(index.finals, this.#percentile);
    return latest - column.maxDrop > target;
  }
}
