import type { StudyDirection } from "../../src/vocabulary/study-direction.ts";
import { isBetter } from "../../src/vocabulary/study-direction.ts";
import type { StudyEndEvent, StudyStartEvent, Tracker, TrialFinishEvent, TrialStartEvent } from "../../src/tracking/tracker.ts";
import { trialDurationMs } from "../../src/vocabulary/frozen-trial.ts";
import { formatDuration, formatNumber, formatParams, formatText } from "./format-value.ts";
import { estimateRemainingMs, renderProgressLine, type ProgressFacts } from "./progress-line.ts";
import { StatusLine } from "./status-line.ts";

/** Options of {@link consoleTracker}. */
export interface ConsoleTrackerOptions {
  /** Where to write (default process.stderr). */
  stream?: NodeJS.WriteStream | NodeJS.WritableStream;
  /** Force the live bar on or off (default: when the stream is a TTY). */
  bar?: boolean;
}

/**
 * Progress output: on a terminal a live bar (done/total, running, pruned, failed, the
 * study's best, elapsed and ETA ticking every second) that fits the terminal's width, with
 * failure reasons and everything else written to stdout/stderr printed above it; otherwise
 * one plain line per finished trial with the same facts, for logs and CI.
 */
export function consoleTracker(options: ConsoleTrackerOptions = {}): Tracker {
  return new ConsoleTracker(options);
}

class ConsoleTracker implements Tracker {
  readonly name = "console";
  // Above the bar, or as reason= on the trial's line.
  readonly reportsFailures = true;
  readonly #out: NodeJS.WritableStream;
  readonly #bar: boolean;
  #directions: readonly StudyDirection[] = ["minimize"];
  /** Trials this run is to finish (the budget less what was finished before), when known. */
  #planned: number | undefined;
  #before = 0;
  #done = 0;
  #pruned = 0;
  #failed = 0;
  #running = 0;
  #best: { value: number; number: number } | null = null;
  #startedAt = Date.now();
  #lastFinishAt = Date.now();
  #line: StatusLine | null = null;

  constructor(o: ConsoleTrackerOptions) {
    this.#out = o.stream ?? process.stderr;
    this.#bar = o.bar ?? Boolean((this.#out as NodeJS.WriteStream).isTTY);
  }

  onStudyStart(e: StudyStartEvent): void {
    this.#directions = e.directions;
    this.#planned = e.nTrials;
    this.#before = e.finishedBefore;
    // The study's best, so that the bar agrees with the summary after a resume.
    this.#best = e.best ? { value: e.best.value, number: e.best.number } : null;
    this.#startedAt = this.#lastFinishAt = Date.now();
    if (this.#bar) {
      this.#line = new StatusLine(this.#out, (columns) => renderProgressLine(this.#facts(), columns));
      this.#line.start();
    }
  }

  onTrialStart(_e: TrialStartEvent): void {
    this.#running++;
    this.#line?.draw();
  }

  onTrialFinish(e: TrialFinishEvent): void {
    const t = e.trial;
    this.#running = Math.max(0, this.#running - 1);
    this.#done++;
    this.#lastFinishAt = Date.now();
    if (t.state === "PRUNED") this.#pruned++;
    if (t.state === "FAIL") this.#failed++;
    const v = t.value;
    const newBest = t.state === "COMPLETE" && v !== null && this.#directions.length === 1 && (this.#best === null || isBetter(this.#directions[0], v, this.#best.value));
    if (newBest) this.#best = { value: v as number, number: t.number };
    const reason = t.state === "FAIL" && typeof t.systemAttrs.fail_reason === "string" ? t.systemAttrs.fail_reason : null;
    if (this.#line) {
      if (reason !== null) this.#line.print(`hpo: trial ${t.number} failed: ${formatText(reason, 500)}`);
      else this.#line.draw();
      return;
    }
    const dur = trialDurationMs(t);
    const value = t.values && t.values.length > 1 ? `values=[${t.values.map(formatNumber).join(", ")}]` : `value=${formatNumber(v)}`;
    const best = this.#best ? ` best=${formatNumber(this.#best.value)} (trial ${this.#best.number})` : "";
    this.#out.write(
      `[hpo] ${this.#progressLabel()} trial ${t.number} ${t.state} ${value}${reason !== null ? ` reason=${formatText(JSON.stringify(reason), 500)}` : ""} ${formatParams(t.params)}${dur !== null ? ` in ${formatDuration(dur)}` : ""}${best}, ${this.#running} running\n`,
    );
  }

  onStudyEnd(_e: StudyEndEvent): void {
    this.#line?.stop();
    this.#line = null;
  }

  #total(): number | undefined {
    return this.#planned === undefined ? undefined : this.#before + this.#planned;
  }

  #progressLabel(): string {
    const total = this.#total();
    return `${this.#before + this.#done}${total !== undefined ? `/${total}` : ""}`;
  }

  #facts(): ProgressFacts {
    const now = Date.now();
    const remaining = this.#planned === undefined ? undefined : Math.max(0, this.#planned - this.#done);
    return {
      done: this.#before + this.#done,
      total: this.#total(),
      running: this.#running,
      pruned: this.#pruned,
      failed: this.#failed,
      best: this.#best,
      elapsedMs: now - this.#startedAt,
      etaMs: estimateRemainingMs(this.#done, remaining, this.#lastFinishAt - this.#startedAt, now - this.#lastFinishAt),
    };
  }
}
