import type { Distribution, ParamValue } from "../vocabulary/distribution.ts";
import type { FrozenTrial } from "../vocabulary/frozen-trial.ts";
import type { TrialState } from "../vocabulary/trial-state.ts";
import type { StudyView } from "../vocabulary/study-view.ts";

/**
 * Proposes parameter values, as Optuna's BaseSampler: a joint (relative) proposal over a
 * search space inferred from history, made when a trial starts, and an independent proposal
 * for every parameter outside it. Implementations are pure functions of the study view and
 * their own seeded state; they never touch storage.
 */
export interface Sampler {
  /** The search space to sample jointly for `trial` (empty for purely independent samplers). */
  inferRelativeSearchSpace(study: StudyView, trial: FrozenTrial): Record<string, Distribution>;
  /** Joint proposal for `searchSpace`; returns external values by name. */
  sampleRelative(study: StudyView, trial: FrozenTrial, searchSpace: Record<string, Distribution>): Record<string, ParamValue>;
  /** Proposal for one parameter outside the relative space; returns an external value. */
  sampleIndependent(study: StudyView, trial: FrozenTrial, paramName: string, distribution: Distribution): ParamValue;
  /** Called once when a trial starts, before any sampling. */
  beforeTrial?(study: StudyView, trial: FrozenTrial): void;
  /** Called once when a trial reaches a final state. */
  afterTrial?(study: StudyView, trial: FrozenTrial, state: TrialState, values: readonly number[] | null): void;
  /**
   * Whether proposals read other trials while they are RUNNING (absent: assumed true). When
   * neither sampler nor pruner does, workers read other trials only once they finish.
   */
  readonly usesRunningTrials?: boolean;
  /**
   * Moves a seeded sampler onto another stream, still a function of its seed and `salt`
   * (Optuna's reseed_rng, made deterministic). The CLI calls it in every worker process and
   * when a run continues a study, so processes that load one seeded study file do not repeat
   * each other's draws, nor an earlier run's.
   */
  reseedRng?(salt: number): void;
}

/** Whether a value looks like a Sampler (used to validate study files). */
export function isSampler(x: unknown): x is Sampler {
  const s = x as Sampler | null;
  return (
    typeof s === "object" &&
    s !== null &&
    typeof s.inferRelativeSearchSpace === "function" &&
    typeof s.sampleRelative === "function" &&
    typeof s.sampleIndependent === "function"
  );
}
