import type { AttrValue } from "../../src/vocabulary/frozen-trial.ts";
import type { StudyDirection } from "../../src/vocabulary/study-direction.ts";
import type { TrialState } from "../../src/vocabulary/trial-state.ts";

/** Fields every line has: the event kind, when the tracker saw it (ISO 8601), the study. */
interface JsonlEventBase {
  readonly time: string;
  readonly study: string;
}

/** One line of a JSONL event file. Non-finite numbers appear as `{"$hpo:num": "NaN"}`. */
export type JsonlEvent =
  | (JsonlEventBase & {
      readonly event: "study_start";
      readonly directions: readonly StudyDirection[];
      readonly nTrials: number | null;
      readonly finishedBefore: number;
    })
  | (JsonlEventBase & {
      readonly event: "trial_start";
      readonly trial: number;
      readonly params: Readonly<Record<string, unknown>>;
      /** For a retry of a trial failed as stale or interrupted: that trial's number. */
      readonly retryOf?: number | null;
    })
  | (JsonlEventBase & {
      readonly event: "report";
      readonly trial: number;
      readonly step: number;
      /** The study's watched metric, or null when this report did not include it. */
      readonly value: number | null;
      /** Every metric this report recorded, by name. */
      readonly metrics: Readonly<Record<string, number>>;
      readonly params: Readonly<Record<string, unknown>>;
    })
  | (JsonlEventBase & {
      readonly event: "trial_finish";
      readonly trial: number;
      readonly state: TrialState;
      readonly value: number | null;
      readonly values: readonly number[] | null;
      readonly params: Readonly<Record<string, unknown>>;
      /** `[step, value]` pairs in step order. */
      readonly intermediateValues: readonly (readonly [number, number])[];
      /** `[step, { name: value }]` pairs in step order: every metric reported. */
      readonly metrics: readonly (readonly [number, Readonly<Record<string, number>>])[];
      readonly userAttrs: Readonly<Record<string, AttrValue>>;
      /** Why a FAIL trial failed (e.g. "stale: no heartbeat for 21.0 s", written by the process that found it dead). */
      readonly failReason?: string | null;
      readonly retryOf?: number | null;
      readonly started: string | null;
      readonly completed: string | null;
      readonly durationMs: number | null;
    })
  | (JsonlEventBase & { readonly event: "study_end"; readonly reason: string });
