/**
 * A running trial's named metrics, kept as an append-only log of versions: a snapshot of the
 * trial views a prefix of the log instead of copying every metric row, so `shouldPrune()`
 * after each report stays O(1) per call however long the trial runs (the same idea as
 * StepLog for the watched metric). A step re-reported with new names gets a new version;
 * the older one stays reachable for the views taken before it.
 */

type MetricRecord = Readonly<Record<string, number>>;

/** The versions of a trial's metric records, in the order they were set. */
export class MetricLog {
  readonly #steps: number[] = [];
  readonly #records: MetricRecord[] = [];
  /** Index of the previous version of the same step, or -1. */
  readonly #previous: number[] = [];
  /** Index of each step's newest version. */
  readonly #latest = new Map<number, number>();
  /** Index of each step's first version, in step order while steps arrive ascending. */
  readonly #firsts: number[] = [];
  #ascending = true;

  /** The newest record at `step`, if any. */
  get(step: number): MetricRecord | undefined {
    const i = this.#latest.get(step);
    return i === undefined ? undefined : this.#records[i];
  }

  /** Sets the record at `step` (a new version if the step has one); the log keeps and freezes `record` itself, so pass a fresh object. */
  set(step: number, record: Readonly<Record<string, number>>): void {
    const index = this.#steps.length;
    const previous = this.#latest.get(step) ?? -1;
    this.#steps.push(step);
    this.#records.push(Object.freeze(record));
    this.#previous.push(previous);
    this.#latest.set(step, index);
    if (previous === -1) {
      const last = this.#firsts.length > 0 ? this.#steps[this.#firsts[this.#firsts.length - 1]!]! : -Infinity;
      if (step < last) this.#ascending = false;
      this.#firsts.push(index);
    }
  }

  /** [step, newest record] pairs in the order steps were first set. */
  *entries(): IterableIterator<[number, MetricRecord]> {
    for (const first of this.#firsts) {
      const step = this.#steps[first]!;
      yield [step, this.#records[this.#latest.get(step)!]!];
    }
  }

  /** The records so far in ascending step order, as a map later sets do not change. */
  view(): ReadonlyMap<number, MetricRecord> {
    const prefix = new MetricLogView(this.#steps, this.#records, this.#previous, this.#latest, this.#firsts, this.#steps.length, this.#firsts.length);
    // Steps out of order (rare): a sorted copy, as stored trials have.
    return this.#ascending ? prefix : new Map([...prefix].sort((a, b) => a[0] - b[0]));
  }
}

/** The first `length` versions of a MetricLog: an immutable ReadonlyMap of each step's newest record among them. */
class MetricLogView implements ReadonlyMap<number, MetricRecord> {
  readonly size: number;
  readonly #steps: readonly number[];
  readonly #records: readonly MetricRecord[];
  readonly #previous: readonly number[];
  readonly #latest: ReadonlyMap<number, number>;
  readonly #firsts: readonly number[];
  readonly #length: number;

  constructor(
    steps: readonly number[],
    records: readonly MetricRecord[],
    previous: readonly number[],
    latest: ReadonlyMap<number, number>,
    firsts: readonly number[],
    length: number,
    size: number,
  ) {
    this.#steps = steps;
    this.#records = records;
    this.#previous = previous;
    this.#latest = latest;
    this.#firsts = firsts;
    this.#length = length;
    this.size = size;
  }

  /** The record at `step` as it was when the view was taken. */
  get(step: number): MetricRecord | undefined {
    let i = this.#latest.get(step) ?? -1;
    while (i >= this.#length) i = this.#previous[i]!;
    return i >= 0 ? this.#records[i] : undefined;
  }

  /** Whether `step` had a record when the view was taken. */
  has(step: number): boolean {
    return this.get(step) !== undefined;
  }

  /** Calls `fn` for each step's record in ascending step order. */
  forEach(fn: (value: MetricRecord, step: number, map: ReadonlyMap<number, MetricRecord>) => void, thisArg?: unknown): void {
    for (const [step, record] of this.entries()) fn.call(thisArg, record, step, this);
  }

  /** [step, record] pairs in ascending step order. */
  *entries(): MapIterator<[number, MetricRecord]> {
    for (let k = 0; k < this.size; k++) {
      const step = this.#steps[this.#firsts[k]!]!;
      yield [step, this.get(step)!];
    }
  }

  /** Steps in ascending order. */
  *keys(): MapIterator<number> {
    for (let k = 0; k < this.size; k++) yield this.#steps[this.#firsts[k]!]!;
  }

  /** Records in ascending step order. */
  *values(): MapIterator<MetricRecord> {
    for (const [, record] of this.entries()) yield record;
  }

  /** Same as entries(). */
  [Symbol.iterator](): MapIterator<[number, MetricRecord]> {
    return this.entries();
  }
}
