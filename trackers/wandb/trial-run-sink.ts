import type { TrialRunState } from "./trial-run-state.ts";

/** Who a W&B run is: identity and grouping, fixed when the trial starts. */
export interface TrialRunIdentity {
  readonly runId: string;
  readonly studyName: string;
  readonly project: string;
  readonly entity: string | undefined;
  readonly group: string;
  readonly jobType: string;
  readonly displayName: string;
  readonly tags: readonly string[];
  readonly notes: string | undefined;
}

/**
 * Where one trial's W&B run goes (the online API or an offline file). Calls return at once;
 * the work happens in the background and `done` settles when the run is written out.
 */
export interface TrialRunSink {
  /** Params changed (define-by-run suggestions arrive after the trial starts). */
  paramsChanged(): void;
  /** A new history row was accepted by the run state. */
  historyRow(row: Readonly<Record<string, unknown>>): void;
  /** The trial finished: final summary and exit code. */
  finish(summary: Readonly<Record<string, unknown>>, exitCode: number, runtimeSeconds: number): void;
  /** Settles when the run has been written out, or given up on. */
  readonly done: Promise<void>;
}

/** Creates a sink for a trial's run. */
export type TrialRunSinkFactory = (identity: TrialRunIdentity, state: TrialRunState) => TrialRunSink;

/** Where a W&B tracker's runs go: the online API or offline files. */
export interface WandbBackend {
  /** False once the backend gave up for good (e.g. the API key was rejected). */
  readonly active: boolean;
  /** Creates a sink for a trial's run. */
  readonly createSink: TrialRunSinkFactory;
  /** Stops all background work now (the close deadline passed). */
  abort(): void;
  /** Logs a message once per key. */
  warnOnce(key: string, message: string): void;
  /**
   * Saves the runs that could not be sent (the online backend writes them as offline runs
   * for a later `wandb sync`); resolves to how many and where, or null when none were left.
   */
  spoolUnsent?(): Promise<SpooledRuns | null>;
}

/** Runs saved for a later `wandb sync`. */
export interface SpooledRuns {
  /** Their folders (`<dir>/wandb/offline-run-…`). */
  readonly folders: readonly string[];
  /** Runs that could not be saved either (the folder is not writable). */
  readonly failed: number;
}
