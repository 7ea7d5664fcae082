import type { StepView } from "../../vocabulary/step-series.ts";

/** A monotonic queue over one step log: positions whose values could still be the window's best. */
interface Window {
  readonly maximize: boolean;
  /** The log's positions below this have been offered to the queue. */
  seen: number;
  /** The window's first position when last asked. */
  from: number;
  /** Candidates by position, their values strictly improving from tail to head; live from `head`. */
  readonly queue: number[];
  head: number;
}

/**
 * np.nanmin (or np.nanmax) of a trial's latest reports — the positions from `from` to the
 * end of a view — kept per step log as the trial grows: each report enters and leaves the
 * queue once, so a check costs O(1) amortised however long the window is, instead of a
 * pass over it. A view older than the one last asked about, or a window that moved back,
 * starts the queue again from the window.
 */
export class TrailingBest {
  readonly #windows = new WeakMap<object, Window>();

  /** The best non-NaN value at positions `from`..size-1 of `reports` (NaN when there is none). */
  of(reports: StepView, from: number, maximize: boolean): number {
    let w = this.#windows.get(reports.origin);
    if (!w || w.maximize !== maximize || w.seen > reports.size || from < w.from) {
      w = { maximize, seen: from, from, queue: [], head: 0 };
      this.#windows.set(reports.origin, w);
    }
    const { queue } = w;
    for (let i = Math.max(w.seen, from); i < reports.size; i++) {
      const v = reports.valueAt(i);
      if (Number.isNaN(v)) continue;
      // A later value at least as good makes earlier ones irrelevant for every window holding it.
      while (queue.length > w.head && !isBetter(reports.valueAt(queue[queue.length - 1]), v, maximize)) queue.pop();
      queue.push(i);
    }
    w.seen = reports.size;
    w.from = from;
    while (w.head < queue.length && queue[w.head] < from) w.head++;
    if (w.head > 64 && w.head * 2 > queue.length) {
      queue.splice(0, w.head);
      w.head = 0;
    }
    return w.head < queue.length ? reports.valueAt(queue[w.head]) : NaN;
  }
}

function isBetter(a: number, b: number, maximize: boolean): boolean {
  return maximize ? a > b : a < b;
}
