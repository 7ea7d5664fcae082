import type { StudyDirection } from "../../src/study/study-direction.ts";
import { isBetter } from "../../src/study/study-direction.ts";
import type { StudyEndEvent, StudyStartEvent, Tracker, TrialFinishEvent, TrialStartEvent } from "../../src/tracking/tracker.ts";
import { trialDurationMs } from "../../src/trial/frozen-trial.ts";
import { formatDuration, formatNumber, formatParams, formatText } from "./format-value.ts";

/** Options of {@link consoleTracker}. */
export interface ConsoleTrackerOptions {
  /** Where to write (default process.stderr). */
  stream?: NodeJS.WriteStream | NodeJS.WritableStream;
  /** Force the live bar on or off (default: when the stream is a TTY). */
  bar?: boolean;
}

/**
 * Progress output: on a terminal a live bar (done/total, pruned, failed, best so far,
 * elapsed, ETA); otherwise one plain line per finished trial, for logs and CI.
 */
export function consoleTracker(options: ConsoleTrackerOptions = {}): Tracker {
  return new ConsoleTracker(options);
}

class ConsoleTracker implements Tracker {
  readonly name = "console";
  readonly #out: NodeJS.WritableStream;
  readonly #bar: boolean;
  #directions: readonly StudyDirection[] = ["minimize"];
  #total: number | undefined;
  #before = 0;
  #done = 0;
  #pruned = 0;
  #failed = 0;
  #running = 0;
  #best: { value: number; number: number } | null = null;
  #startedAt = Date.now();
  #lastDraw = 0;
  #barShown = false;

  constructor(o: ConsoleTrackerOptions) {
    this.#out = o.stream ?? process.stderr;
    this.#bar = o.bar ?? Boolean((this.#out as NodeJS.WriteStream).isTTY);
  }

  onStudyStart(e: StudyStartEvent): void {
    this.#directions = e.directions;
    this.#total = e.nTrials;
    this.#before = e.finishedBefore;
    this.#startedAt = Date.now();
    this.#draw(true);
  }

  onTrialStart(_e: TrialStartEvent): void {
    this.#running++;
    this.#draw(false);
  }

  onTrialFinish(e: TrialFinishEvent): void {
    const t = e.trial;
    this.#running = Math.max(0, this.#running - 1);
    this.#done++;
    if (t.state === "PRUNED") this.#pruned++;
    if (t.state === "FAIL") this.#failed++;
    const v = t.value;
    const newBest = t.state === "COMPLETE" && v !== null && this.#directions.length === 1 && (this.#best === null || isBetter(this.#directions[0], v, this.#best.value));
    if (newBest) this.#best = { value: v as number, number: t.number };
    if (!this.#bar) {
      const dur = trialDurationMs(t);
      const value = t.values && t.values.length > 1 ? `values=[${t.values.map(formatNumber).join(", ")}]` : `value=${formatNumber(v)}`;
      const reason = t.state === "FAIL" && typeof t.systemAttrs.fail_reason === "string" ? ` reason=${formatText(JSON.stringify(t.systemAttrs.fail_reason), 500)}` : "";
      const best = this.#best ? ` best=${formatNumber(this.#best.value)} (trial ${this.#best.number})` : "";
      this.#out.write(
        `[hpo] ${this.#progressLabel()} trial ${t.number} ${t.state} ${value}${reason} ${formatParams(t.params)}${dur !== null ? ` in ${formatDuration(dur)}` : ""}${best}\n`,
      );
    } else {
      this.#draw(true);
    }
  }

  onStudyEnd(_e: StudyEndEvent): void {
    if (this.#bar && this.#barShown) {
      this.#draw(true);
      this.#out.write("\n");
      this.#barShown = false;
    }
  }

  #progressLabel(): string {
    const done = this.#before + this.#done;
    return this.#total !== undefined ? `${done}/${this.#before + this.#total}` : `${done}`;
  }

  #draw(force: boolean): void {
    if (!this.#bar) return;
    const now = Date.now();
    if (!force && now - this.#lastDraw < 100) return;
    this.#lastDraw = now;
    const elapsed = now - this.#startedAt;
    const width = 24;
    let bar = "";
    let eta = "";
    if (this.#total !== undefined && this.#total > 0) {
      const frac = Math.min(1, this.#done / this.#total);
      const filled = Math.round(frac * width);
      bar = `[${"#".repeat(filled)}${"-".repeat(width - filled)}] `;
      eta = this.#done > 0 ? ` eta ${formatDuration((elapsed / this.#done) * (this.#total - this.#done))}` : " eta --:--";
    }
    const best = this.#best ? ` best ${formatNumber(this.#best.value)} (#${this.#best.number})` : "";
    const line = `${bar}${this.#progressLabel()} trials, ${this.#running} running, ${this.#pruned} pruned, ${this.#failed} failed${best} | ${formatDuration(elapsed)}${eta}`;
    this.#out.write(`\r\x1b[2K${line}`);
    this.#barShown = true;
  }
}
