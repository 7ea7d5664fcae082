import type { AttrValue } from "../vocabulary/frozen-trial.ts";

/** The kinds of event in a study's append-only log (the live feed reads them). */
export type StudyEventType =
  | "study_created"
  | "study_attr_set"
  | "trial_created"
  | "trial_started"
  | "param_set"
  | "reported"
  | "trial_attr_set"
  | "trial_completed"
  | "trial_pruned"
  | "trial_failed"
  | "trial_retried";

/** One entry of a study's event log; `seq` increases by one per event within a study. */
export interface StudyEvent {
  readonly studyId: number;
  readonly seq: number;
  readonly type: StudyEventType;
  readonly trialNumber: number | null;
  readonly payload: Readonly<Record<string, AttrValue>>;
  readonly createdAt: Date;
}
