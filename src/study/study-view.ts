import type { FrozenTrial } from "../trial/frozen-trial.ts";
import type { TrialState } from "../trial/trial-state.ts";
import type { Pruner } from "../pruners/pruner.ts";
import type { StudyDirection } from "./study-direction.ts";

/**
 * The read-only picture of a study that samplers and pruners receive: its directions and
 * its history, already loaded. Both stay pure functions of this view, so they test without
 * a database.
 */
export interface StudyView {
  readonly studyName: string;
  readonly directions: readonly StudyDirection[];
  /** The pruner configured on the study (TPE narrows its history to Hyperband brackets). */
  readonly pruner: Pruner;
  /** Trials ordered by number, optionally only those in `states`; do not mutate. */
  getTrials(states?: readonly TrialState[]): readonly FrozenTrial[];
}

/** A StudyView over a fixed list of trials (tests, benchmarks, filtered views). */
export function studyViewOf(options: {
  studyName?: string;
  directions?: readonly StudyDirection[];
  pruner?: Pruner;
  trials: readonly FrozenTrial[];
}): StudyView {
  const trials = [...options.trials].sort((a, b) => a.number - b.number);
  return {
    studyName: options.studyName ?? "study",
    directions: options.directions ?? ["minimize"],
    pruner: options.pruner ?? { prune: () => false },
    getTrials: (states) => (states ? trials.filter((t) => states.includes(t.state)) : trials),
  };
}
