import { formatDuration, formatNumber } from "./format-value.ts";

/** What the progress bar shows: the facts of a run at one moment. */
export interface ProgressFacts {
  /** Finished trials of the study (this run's and earlier ones). */
  readonly done: number;
  /** The study-wide budget, when there is one. */
  readonly total?: number;
  readonly running: number;
  readonly pruned: number;
  readonly failed: number;
  /** The study's best so far (single objective), not only this run's. */
  readonly best: { readonly value: number; readonly number: number } | null;
  readonly elapsedMs: number;
  /** Estimated time left, or null while there is no rate yet. */
  readonly etaMs: number | null;
}

function bar(facts: ProgressFacts, width: number): string {
  if (width === 0 || facts.total === undefined || facts.total <= 0) return "";
  const filled = Math.round(Math.min(1, facts.done / facts.total) * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] `;
}

/**
 * The bar's one line, at most `columns - 1` characters so that it never wraps (a wrapped
 * line cannot be cleared with `\r` and leaves stale halves): the full form when it fits,
 * then a shorter bar, no bar, short words, and last a cut.
 *
 * @example
 * renderProgressLine(facts, 80) // "[######------] 12/50 trials, 1 running, 3 pruned, 0 failed, best 0.12 (#7) | 1:23 eta 4:56"
 */
export function renderProgressLine(facts: ProgressFacts, columns: number): string {
  const max = Math.max(1, columns - 1);
  const progress = facts.total !== undefined ? `${facts.done}/${facts.total}` : `${facts.done}`;
  const time = `${formatDuration(facts.elapsedMs)}${facts.total !== undefined ? ` eta ${facts.etaMs === null ? "--:--" : formatDuration(facts.etaMs)}` : ""}`;
  const best = facts.best ? `best ${formatNumber(facts.best.value)} (#${facts.best.number})` : "";
  const long = `${progress} trials, ${facts.running} running, ${facts.pruned} pruned, ${facts.failed} failed${best ? `, ${best}` : ""} | ${time}`;
  const short = `${progress} ${facts.running} run ${facts.pruned} pru ${facts.failed} fail${best ? ` ${best}` : ""} ${time}`;
  const candidates = [bar(facts, 24) + long, bar(facts, 12) + long, long, bar(facts, 10) + short, short];
  const fits = candidates.find((c) => c.length <= max);
  return fits ?? short.slice(0, max);
}

/**
 * Time left to reach the budget: the run's average time per finished trial (all its
 * concurrent trials together) times the trials left, less the time since the last one
 * finished, so that it counts down while a long trial runs.
 */
export function estimateRemainingMs(doneThisRun: number, remaining: number | undefined, msToLastFinish: number, msSinceLastFinish: number): number | null {
  if (remaining === undefined || doneThisRun === 0) return null;
  return Math.max(0, (msToLastFinish / doneThisRun) * remaining - msSinceLastFinish);
}
