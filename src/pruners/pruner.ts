import type { FrozenTrial } from "../vocabulary/frozen-trial.ts";
import type { StudyView } from "../vocabulary/study-view.ts";

/**
 * Decides whether a running trial should stop early, from the study's history and the
 * trial's intermediate values. A pure function of its inputs (and its own configuration).
 */
export interface Pruner {
  /** True when `trial` (RUNNING, with its latest reports) should be pruned. */
  prune(study: StudyView, trial: FrozenTrial): boolean;
  /** Whether decisions read other trials while they are RUNNING (absent: assumed true). */
  readonly usesRunningTrials?: boolean;
  /**
   * The part of `study` a sampler should learn from when sampling `trial` (Hyperband: the
   * trial's bracket); absent: the whole study. The study offers it on its view.
   */
  samplingView?(study: StudyView, trial: FrozenTrial): StudyView;
}

/** Whether a value looks like a Pruner (used to validate study files). */
export function isPruner(x: unknown): x is Pruner {
  return typeof x === "object" && x !== null && typeof (x as Pruner).prune === "function";
}
