import type { ParamValue } from "../../src/vocabulary/distribution.ts";
import type { AttrValue } from "../../src/vocabulary/frozen-trial.ts";

/**
 * The part of a Trial that a command objective uses. Declared structurally so that the
 * core's Trial satisfies it as is, and so this objective depends on the core's contract
 * only, never on its implementation.
 */
export interface CommandTrial {
  /** Dense, 0-based number within the study (HPO_TRIAL_NUMBER, the trial folder's name). */
  readonly number: number;
  /** The study's name (HPO_STUDY_NAME, the parent of the trial folder). */
  readonly studyName: string;
  /** For a retry (of a trial failed as stale or interrupted): the number of the trial it retries. */
  readonly retryOf?: number | null;
  /** Params already suggested for this trial (a study file's declarative space). */
  readonly params: Readonly<Record<string, ParamValue>>;
  /**
   * Records an intermediate value, or named metrics (`{ val_meteor: 0.2, ... }`, from
   * `hpo:captions`); may throw a TypeError or RangeError when the core refuses it.
   */
  report(value: number | Readonly<Record<string, number>>, step: number): void;
  /** Asks the study's pruner whether this trial should stop now. */
  shouldPrune(): boolean | Promise<boolean>;
  /** Stores a user attribute on the trial. */
  setUserAttr(key: string, value: AttrValue): void | Promise<void>;
  /** Aborted when the trial ends without the program (interrupted, failed elsewhere): the program is stopped. */
  readonly signal?: AbortSignal;
}
