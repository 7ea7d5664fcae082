import type { FrozenTrial } from "../vocabulary/frozen-trial.ts";
import type { StudyDirection } from "../vocabulary/study-direction.ts";

/** What a tracker learns when a study run starts. */
export interface StudyStartEvent {
  readonly studyName: string;
  readonly directions: readonly StudyDirection[];
  /** The trial budget of this run, when known. */
  readonly nTrials?: number;
  /** Trials already finished before this run (resume). */
  readonly finishedBefore: number;
  /** The study's best COMPLETE trial so far (single objective), when it has one. */
  readonly best?: { readonly number: number; readonly value: number };
}

/** A trial began running; `trial.params` holds what was suggested up front (declarative spaces). */
export interface TrialStartEvent {
  readonly studyName: string;
  readonly trial: FrozenTrial;
}

/** One `trial.report(value, step)` or `trial.report({ name: value, ... }, step)`. */
export interface ReportEvent {
  readonly studyName: string;
  readonly trialNumber: number;
  readonly step: number;
  /** The study's watched metric at this step, or null when this report did not include it. */
  readonly value: number | null;
  /** Every metric this report recorded, by name (a one-number report: the study's metric name). */
  readonly metrics: Readonly<Record<string, number>>;
  /** Params suggested so far (define-by-run objectives suggest after start). */
  readonly params: Readonly<Record<string, unknown>>;
}

/** A trial reached COMPLETE, PRUNED or FAIL. */
export interface TrialFinishEvent {
  readonly studyName: string;
  readonly trial: FrozenTrial;
}

/** The run ended (budget reached, timeout, interrupted or failed). */
export interface StudyEndEvent {
  readonly studyName: string;
  readonly reason: "completed" | "timeout" | "interrupted" | "error";
}

/**
 * Receives a study's lifecycle events: console progress, JSONL files, Weights & Biases.
 * Calls are delivered in order, off the hot path; a tracker that throws or hangs never
 * fails a trial or slows the study (see TrackerHub).
 */
export interface Tracker {
  /** Short name used in log lines ("wandb", "jsonl"). */
  readonly name: string;
  /** True when it shows the user each failed trial's reason (the study then does not warn as well). */
  readonly reportsFailures?: boolean;
  onStudyStart?(event: StudyStartEvent): void | Promise<void>;
  onTrialStart?(event: TrialStartEvent): void | Promise<void>;
  onReport?(event: ReportEvent): void | Promise<void>;
  onTrialFinish?(event: TrialFinishEvent): void | Promise<void>;
  onStudyEnd?(event: StudyEndEvent): void | Promise<void>;
  /** Flushes what is buffered; called once at the end of a run. */
  close?(): Promise<void>;
}

/** Whether a value looks like a Tracker (used to validate study files). */
export function isTracker(x: unknown): x is Tracker {
  return typeof x === "object" && x !== null && typeof (x as Tracker).name === "string";
}
