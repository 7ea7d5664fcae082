import { z } from "zod";
import type { FrozenTrial } from "../vocabulary/frozen-trial.ts";
import type { StudyView } from "../vocabulary/study-view.ts";
import { isPruner, type Pruner } from "./pruner.ts";
import { intAtLeast, parsePrunerOptions } from "./internal/pruner-options.ts";
import { reportsByPosition } from "./internal/reports-by-position.ts";
import { singleDirection } from "./internal/single-direction.ts";
import { TrailingBest } from "./internal/trailing-best.ts";

/** Options of {@link PatientPruner}. */
export interface PatientPrunerOptions {
  /** Asked only once the trial has stopped improving; null prunes on the stall alone. */
  wrappedPruner: Pruner | null;
  /** How many steps without improvement are tolerated. */
  patience: number;
  /** How much better a value must be to count as an improvement. Default 0. */
  minDelta?: number;
}

const patientSchema = z.strictObject({
  wrappedPruner: z.custom<Pruner | null>((v) => v === null || isPruner(v), {
    error: "must be a Pruner (an object with prune()) or null",
  }),
  patience: intAtLeast(0),
  minDelta: z
    .number({ error: "must be a number" })
    .min(0, { error: "must be >= 0" })
    .refine((v) => Number.isFinite(v), { error: "must be finite" })
    .default(0),
});

/**
 * Waits for a trial to stop improving for `patience` steps before consulting the wrapped
 * pruner (Optuna's PatientPruner).
 *
 * @example
 * new PatientPruner({ wrappedPruner: new MedianPruner(), patience: 3, minDelta: 0.001 })
 */
export class PatientPruner implements Pruner {
  readonly #wrapped: Pruner | null;
  readonly #patience: number;
  readonly #minDelta: number;
  /** The best of each trial's last patience + 1 reports, kept as the trial reports. */
  readonly #recent = new TrailingBest();

  /** As the wrapped pruner (its own patience check reads only the trial's reports). */
  get usesRunningTrials(): boolean {
    return this.#wrapped ? this.#wrapped.usesRunningTrials !== false : false;
  }

  constructor(options: PatientPrunerOptions) {
    const o = parsePrunerOptions("PatientPruner", patientSchema, options);
    this.#wrapped = o.wrappedPruner;
    this.#patience = o.patience;
    this.#minDelta = o.minDelta;
  }

  /** True when the last `patience + 1` steps did not beat the earlier best by `minDelta` and the wrapped pruner agrees. */
  prune(study: StudyView, trial: FrozenTrial): boolean {
    const reports = reportsByPosition(trial.intermediateValues);
    if (reports.size === 0) return false;
    // Not enough steps to tell a stall from a start.
    if (reports.size <= this.#patience + 1) return false;

    // Before: the steps up to `split` (np.nanmin/nanmax of a prefix, O(1)); after: the rest.
    const split = reports.size - this.#patience - 1;
    const stalled =
      singleDirection(study, "PatientPruner") === "minimize"
        ? reports.nanMinOfFirst(split) + this.#minDelta < this.#recent.of(reports, split, false)
        : reports.nanMaxOfFirst(split) - this.#minDelta > this.#recent.of(reports, split, true);
    if (!stalled) return false;
    return this.#wrapped ? this.#wrapped.prune(study, trial) : true;
  }
}
