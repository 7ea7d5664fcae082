/**
 * The part of a running trial the captioner objective uses. hpo's Trial satisfies it;
 * declaring only this subset keeps the objective testable with any trial-shaped object.
 */
import type { CategoricalChoice, Distribution, ParamValue } from "../../src/vocabulary/distribution.ts";
import type { AttrValue } from "../../src/vocabulary/frozen-trial.ts";

/** A per-trial checkpoint store (offered by workers that can resume a trial). */
export interface TrialCheckpointStore {
  save(data: Uint8Array | Record<string, unknown>): Promise<void> | void;
  load(): Promise<Uint8Array | Record<string, unknown> | null | undefined> | Uint8Array | Record<string, unknown> | null | undefined;
}

/** What the objective needs from a trial. */
export interface CaptionerTrial {
  readonly number: number;
  /** Params already set (a declarative space suggests them before the objective runs). */
  readonly params: Readonly<Record<string, ParamValue>>;
  /** The distributions of params set so far (a declarative study space); baselines read its ranges. */
  readonly distributions?: Readonly<Record<string, Distribution>>;
  /** The study's name (folders of saved adapters). */
  readonly studyName?: string;
  suggestFloat(name: string, low: number, high: number, options?: { log?: boolean; step?: number }): number;
  suggestInt(name: string, low: number, high: number, options?: { log?: boolean; step?: number }): number;
  suggestCategorical<T extends CategoricalChoice>(name: string, choices: readonly T[]): T;
  /** One number (the study's watched metric) or named metrics at an epoch. */
  report(value: number | Readonly<Record<string, number>>, step: number): void;
  /** The metric the study's pruner watches (hpo's Trial has it); absent: reports are one number. */
  readonly metricName?: string;
  shouldPrune(): Promise<boolean>;
  setUserAttr(key: string, value: AttrValue): void | Promise<void>;
}

/** The trial's checkpoint store, when it has a usable one. */
export function checkpointStoreOf(trial: CaptionerTrial): TrialCheckpointStore | null {
  const store = (trial as { checkpoint?: Partial<TrialCheckpointStore> }).checkpoint;
  return store && typeof store.save === "function" && typeof store.load === "function" ? (store as TrialCheckpointStore) : null;
}
