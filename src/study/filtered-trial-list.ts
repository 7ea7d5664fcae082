import type { FrozenTrial } from "../vocabulary/frozen-trial.ts";
import type { TrialState } from "../vocabulary/trial-state.ts";

/**
 * A number-ordered list of the trials in some states, kept current from a log of changed
 * trials instead of re-filtering the whole history after every change. Copy-on-write: a
 * list once handed out never changes (samplers compare the lists they got by identity).
 */
export class FilteredTrialList {
  readonly #states: ReadonlySet<TrialState> | null;
  #list: readonly FrozenTrial[] = [];
  /** Absolute log position applied so far; -1: rebuild from the whole history. */
  #applied = -1;
  /** The history's version the list was last brought up to. */
  #version = Number.NaN;

  /** `states`: the states to keep, or null for every trial. */
  constructor(states: readonly TrialState[] | null) {
    this.#states = states ? new Set(states) : null;
  }

  /**
   * The list as of the history's `version`: as it was when the version is the same; else
   * brought to the end of `log` (changes with absolute positions from `logBase`) or, when it
   * was last built before the log's start, rebuilt from `all` (every known trial by number).
   */
  current(version: number, log: readonly FrozenTrial[], logBase: number, all: readonly (FrozenTrial | undefined)[]): readonly FrozenTrial[] {
    if (version === this.#version) return this.#list;
    this.#version = version;
    const end = logBase + log.length;
    if (this.#applied < logBase) {
      this.#list = all.filter((t): t is FrozenTrial => t !== undefined && this.#keeps(t));
      this.#applied = end;
      return this.#list;
    }
    let next: FrozenTrial[] | null = null;
    for (let i = this.#applied - logBase; i < log.length; i++) {
      const t = log[i];
      const list: readonly FrozenTrial[] = next ?? this.#list;
      const at = positionOf(list, t.number);
      const present = at < list.length && list[at].number === t.number;
      const keep = this.#keeps(t);
      if (!present && !keep) continue;
      next ??= this.#list.slice();
      if (present && keep) next[at] = t;
      else if (present) next.splice(at, 1);
      else next.splice(at, 0, t);
    }
    if (next) this.#list = next;
    this.#applied = end;
    return this.#list;
  }

  #keeps(t: FrozenTrial): boolean {
    return this.#states === null || this.#states.has(t.state);
  }
}

/** Index of the first trial whose number is at least `number` (binary search; appends are the common case). */
function positionOf(list: readonly FrozenTrial[], number: number): number {
  const n = list.length;
  if (n === 0 || list[n - 1].number < number) return n;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].number < number) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
