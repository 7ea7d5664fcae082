import type { FrozenTrial } from "./frozen-trial.ts";
import type { TrialState } from "./trial-state.ts";
import type { StudyDirection } from "./study-direction.ts";

/**
 * The read-only picture of a study that samplers and pruners receive: its directions and
 * its history, already loaded. Both stay pure functions of this view, so they test without
 * a database.
 *
 * Promises a view keeps:
 * - `getTrials` lists trials in ascending number;
 * - an array it hands out, and the trials in it, are never mutated afterwards (a later call
 *   may return a new array);
 * - `studyName` and `directions` never change;
 * - `version` changes whenever what `getTrials` returns changes, and no two views ever
 *   report the same version (versions come from one counter per process,
 *   {@link nextStudyViewVersion}). So the same version means the same trials and
 *   directions: a cache of anything derived from a view keys on its version alone, and
 *   re-reads only when it moves. A view that cannot tell when it changes may report a new
 *   version on every read (caches then always re-read).
 */
export interface StudyView {
  readonly studyName: string;
  readonly directions: readonly StudyDirection[];
  /** Which state of which view this is (see the promises above). */
  readonly version: number;
  /** Trials ordered by number, optionally only those in `states`; do not mutate. */
  getTrials(states?: readonly TrialState[]): readonly FrozenTrial[];
  /**
   * The part of the study a sampler should learn from when sampling `trial`, where the
   * study's pruner narrows it (Hyperband: the trial's bracket, as Optuna's TPE does);
   * absent: the whole view.
   */
  samplingView?(trial: FrozenTrial): StudyView;
}

let lastVersion = 0;

/** A view version never handed out before in this process. */
export function nextStudyViewVersion(): number {
  return ++lastVersion;
}

/** A StudyView over a fixed list of trials (tests, benchmarks, filtered views). */
export function studyViewOf(options: {
  studyName?: string;
  directions?: readonly StudyDirection[];
  /** How the view narrows for a sampler (e.g. a Hyperband pruner's `samplingView`). */
  samplingView?: (study: StudyView, trial: FrozenTrial) => StudyView;
  trials: readonly FrozenTrial[];
}): StudyView {
  const trials = [...options.trials].sort((a, b) => a.number - b.number);
  const narrow = options.samplingView;
  const view: StudyView = {
    studyName: options.studyName ?? "study",
    directions: options.directions ?? ["minimize"],
    // The trials never change: one version for the view's whole life.
    version: nextStudyViewVersion(),
    getTrials: (states) => (states ? trials.filter((t) => states.includes(t.state)) : trials),
    ...(narrow ? { samplingView: (trial: FrozenTrial) => narrow(view, trial) } : {}),
  };
  return view;
}
