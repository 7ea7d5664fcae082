import type { FrozenTrial } from "../../src/vocabulary/frozen-trial.ts";
import type { ReportEvent, StudyStartEvent, Tracker, TrialFinishEvent, TrialStartEvent } from "../../src/tracking/tracker.ts";
import { newRunId, trialRunId } from "./run-id.ts";
import { TrialRunState, exitCodeFor } from "./trial-run-state.ts";
import type { TrialRunSink, WandbBackend } from "./trial-run-sink.ts";
import type { WandbSettings } from "./wandb-options.ts";

interface OpenRun {
  readonly state: TrialRunState;
  readonly sink: TrialRunSink;
  finished: boolean;
}

/**
 * One W&B run per trial, grouped by study: params as config, every report as a history
 * row, the final value and state in the summary, exit code 0 (complete, pruned) or 1
 * (failed). Hooks only hand data to the run's sink and return; sending happens in the
 * background, so the study never waits on W&B. Runs the server could not take by the end
 * (down, hanging, refusing) are saved as offline runs for a later `wandb sync`.
 */
export class WandbTracker implements Tracker {
  readonly name = "wandb";
  readonly #settings: WandbSettings;
  readonly #backend: WandbBackend;
  readonly #runs = new Map<string, OpenRun>();
  /** Runs that finished and were written out: late events for them are ignored. */
  readonly #done = new Set<string>();
  #closed = false;

  constructor(settings: WandbSettings, backend: WandbBackend) {
    this.#settings = settings;
    this.#backend = backend;
  }

  /** Nothing to send yet: runs are created per trial. */
  onStudyStart(_event: StudyStartEvent): void {}

  /** Creates the trial's run with the params known up front. */
  onTrialStart(event: TrialStartEvent): void {
    this.#open(event.studyName, event.trial.number, event.trial.datetimeStart, event.trial.params, event.trial);
  }

  /** Adds a history row (dropped, with one warning, when its step is not past the last one). */
  onReport(event: ReportEvent): void {
    const run = this.#open(event.studyName, event.trialNumber, null, event.params);
    if (!run || run.finished) return;
    const row = run.state.report(event, new Date());
    if (row) run.sink.historyRow(row);
    else {
      this.#backend.warnOnce(
        "step-backwards",
        `hpo: wandb: trial ${event.trialNumber} reported step ${event.step} after a later or equal step; W&B steps only move forward, so the report is not logged`,
      );
    }
  }

  /** Writes the final summary and exit code, then closes the run. */
  onTrialFinish(event: TrialFinishEvent): void {
    const trial = event.trial;
    // A trial another process ran and died in (failed here as stale) gets its own run id
    // back: the run it left "running" ends as failed.
    const run = this.#open(event.studyName, trial.number, trial.datetimeStart, trial.params, trial);
    if (!run || run.finished) return;
    run.finished = true;
    const now = new Date();
    run.sink.finish(run.state.finalSummary(trial, now), exitCodeFor(trial.state), run.state.runtimeSeconds(trial.datetimeComplete ?? now));
  }

  /**
   * Ends runs whose trial never finished (exit code 1, `trial_state: "interrupted"`) and
   * waits for every run to be sent or written, at most `closeTimeoutMs`; then saves the runs
   * the server has not acknowledged whole as offline runs under `dir`, and says where.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const now = new Date();
    for (const run of this.#runs.values()) {
      if (run.finished) continue;
      run.finished = true;
      const summary = { ...run.state.liveSummary(), trial_state: "interrupted", trial_number: run.state.trialNumber };
      run.sink.finish(summary, 1, run.state.runtimeSeconds(now));
    }
    const all = Promise.all([...this.#runs.values()].map((r) => r.sink.done));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), this.#settings.closeTimeoutMs);
    });
    const outcome = await Promise.race([all.then(() => "done" as const), deadline]);
    clearTimeout(timer);
    this.#backend.abort();
    await all;
    const spooled = await this.#backend.spoolUnsent?.();
    if (spooled) {
      const { folders, failed } = spooled;
      const why = outcome === "timeout" ? `not fully sent to ${this.#settings.baseUrl} within ${this.#settings.closeTimeoutMs} ms` : `refused or unreachable at ${this.#settings.baseUrl}`;
      if (folders.length > 0) {
        const where = folders.length <= 3 ? folders.join(" ") : `${this.#settings.dir}/wandb/offline-run-*`;
        this.#settings.log(`hpo: wandb: ${folders.length} run(s) ${why}; saved whole for a later upload: wandb sync ${where}`);
      }
      if (failed > 0) this.#settings.log(`hpo: wandb: ${failed} run(s) ${why} could not be saved under ${this.#settings.dir}/wandb either; they are lost`);
    }
  }

  #open(studyName: string, trialNumber: number, startedAt: Date | null, params: FrozenTrial["params"] | ReportEvent["params"], trial: FrozenTrial | null = null): OpenRun | null {
    if (this.#closed || !this.#backend.active) return null;
    const key = `${studyName}\u0000${trialNumber}`;
    if (this.#done.has(key)) return null;
    let run = this.#runs.get(key);
    if (!run) {
      const s = this.#settings;
      // A retry is a run of its own that names the trial it retries (config and summary
      // `retry_of`): each trial keeps its own run, and the retry's curve starts where it resumed.
      const retryOf = typeof trial?.systemAttrs.retry_of === "number" ? trial.systemAttrs.retry_of : undefined;
      const extraConfig = retryOf === undefined ? s.config : { ...s.config, retry_of: retryOf };
      const state = new TrialRunState(trialNumber, startedAt ?? new Date(), { metricName: s.metricName, extraConfig });
      state.updateParams(params);
      const identity = {
        runId: trial?.datetimeStart ? trialRunId(studyName, trialNumber, trial.datetimeStart) : newRunId(),
        studyName,
        project: s.project,
        entity: s.entity,
        group: s.group ?? studyName,
        jobType: s.jobType,
        displayName: `trial-${trialNumber}`,
        tags: s.tags,
        notes: s.notes,
      };
      const opened: OpenRun = { state, sink: this.#backend.createSink(identity, state), finished: false };
      this.#runs.set(key, opened);
      // Forget finished runs once written out, so a long study does not keep every trial.
      void opened.sink.done.then(() => {
        if (opened.finished && !this.#closed) {
          this.#runs.delete(key);
          this.#done.add(key);
        }
      });
      run = opened;
    } else if (run.state.updateParams(params)) {
      run.sink.paramsChanged();
    }
    return run;
  }
}
