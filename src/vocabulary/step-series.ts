/**
 * A running trial's reports, appended in ascending step order, with the running NaN-skipping
 * minimum and maximum: a snapshot of the trial views a prefix of it instead of copying it,
 * so `shouldPrune()` after every report costs O(1) per call instead of O(reports).
 */
export class StepLog {
  /** The columns every view of this log reads a prefix of (one object, so a view costs one allocation). */
  readonly #log: StepColumns = {
    origin: Object.freeze({}),
    steps: [],
    values: [],
    mins: [],
    maxs: [],
    numbers: [],
    position: new Map(),
  };

  /** Appends a report; false (nothing changed) unless `step` is above every step so far. */
  append(step: number, value: number): boolean {
    const { steps, values, mins, maxs, numbers, position } = this.#log;
    const n = steps.length;
    if (n > 0 && step <= steps[n - 1]) return false;
    const min = n > 0 ? mins[n - 1] : NaN;
    const max = n > 0 ? maxs[n - 1] : NaN;
    // The same fold as nanMin/nanMax (numpy/order-statistics.ts), one value at a time.
    mins.push(!Number.isNaN(value) && !(value >= min) ? value : min);
    maxs.push(!Number.isNaN(value) && !(value <= max) ? value : max);
    numbers.push((n > 0 ? numbers[n - 1] : 0) + (Number.isNaN(value) ? 0 : 1));
    position.set(step, n);
    steps.push(step);
    values.push(value);
    return true;
  }

  /** The reports so far, as a map that never changes (later appends are not in it). */
  view(): StepView {
    return new StepView(this.#log, this.#log.steps.length);
  }

  /** A log of `reports` in ascending step order (a stored trial's map, any order), for reading by position. */
  static of(reports: Iterable<readonly [number, number]>): StepLog {
    const log = new StepLog();
    for (const [step, value] of [...reports].sort((a, b) => a[0] - b[0])) log.append(step, value);
    return log;
  }
}

/** The arrays a StepLog appends to and its views read a prefix of. */
interface StepColumns {
  /** Shared by every view of one log and no other (see StepView.origin). */
  readonly origin: object;
  readonly steps: number[];
  readonly values: number[];
  /** Running np.nanmin / np.nanmax of the values up to each position (NaN while all are NaN). */
  readonly mins: number[];
  readonly maxs: number[];
  /** How many values up to each position are not NaN (finds the next number by bisection). */
  readonly numbers: number[];
  readonly position: Map<number, number>;
}

/**
 * The first `size` reports of a StepLog, in ascending step order: an immutable
 * ReadonlyMap (the log only ever appends) that also answers the pruners' questions by
 * position, in O(1) or O(log n).
 */
export class StepView implements ReadonlyMap<number, number> {
  readonly size: number;
  readonly #log: StepColumns;
  readonly #steps: readonly number[];
  readonly #values: readonly number[];

  /** @internal Made by StepLog.view(); reads the first `size` entries of the log's columns. */
  constructor(log: StepColumns, size: number) {
    this.#log = log;
    this.#steps = log.steps;
    this.#values = log.values;
    this.size = size;
  }

  /**
   * The same object for every view of one log and for no other: a key for state derived
   * from a shorter view of the same trial, which a longer view extends (positions below
   * the shorter view's size hold the same reports in both).
   */
  get origin(): object {
    return this.#log.origin;
  }

  /** The deepest step, or undefined when there is none. */
  get lastStep(): number | undefined {
    return this.size > 0 ? this.#steps[this.size - 1] : undefined;
  }

  /** The step before the deepest one, or undefined. */
  get secondLastStep(): number | undefined {
    return this.size > 1 ? this.#steps[this.size - 2] : undefined;
  }

  /** np.nanmin of the values (NaN when all are NaN or there are none). */
  get nanMin(): number {
    return this.nanMinOfFirst(this.size);
  }

  /** np.nanmax of the values (NaN when all are NaN or there are none). */
  get nanMax(): number {
    return this.nanMaxOfFirst(this.size);
  }

  /** np.nanmin of the first `count` values (clamped to the view): O(1). */
  nanMinOfFirst(count: number): number {
    const k = Math.min(count, this.size);
    return k > 0 ? this.#log.mins[k - 1] : NaN;
  }

  /** np.nanmax of the first `count` values (clamped to the view): O(1). */
  nanMaxOfFirst(count: number): number {
    const k = Math.min(count, this.size);
    return k > 0 ? this.#log.maxs[k - 1] : NaN;
  }

  /** The step of the report at `position` (0 = the first step; below size). */
  stepAt(position: number): number {
    return this.#steps[position];
  }

  /** The value of the report at `position` (below size). */
  valueAt(position: number): number {
    return this.#values[position];
  }

  /** The position of the first report at or past `step`, or size when there is none: O(log n). */
  positionAtOrAfter(step: number): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#steps[mid] < step) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The first position at or past `from` whose value is not NaN, or size when there is none: O(log n). */
  nextNumberPosition(from: number): number {
    if (from >= this.size) return this.size;
    const numbers = this.#log.numbers;
    // Numbers strictly before `from`; the answer is where the count first exceeds it.
    const before = from > 0 ? numbers[from - 1] : 0;
    if (numbers[this.size - 1] === before) return this.size;
    let lo = from;
    let hi = this.size - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (numbers[mid] > before) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** The value reported at `step`, if it is in this view. */
  get(step: number): number | undefined {
    const i = this.#log.position.get(step);
    return i !== undefined && i < this.size ? this.#values[i] : undefined;
  }

  /** Whether `step` is in this view. */
  has(step: number): boolean {
    const i = this.#log.position.get(step);
    return i !== undefined && i < this.size;
  }

  /** Calls `fn` for each report in ascending step order. */
  forEach(fn: (value: number, step: number, map: ReadonlyMap<number, number>) => void, thisArg?: unknown): void {
    for (let i = 0; i < this.size; i++) fn.call(thisArg, this.#values[i], this.#steps[i], this);
  }

  /** [step, value] pairs in ascending step order. */
  *entries(): MapIterator<[number, number]> {
    for (let i = 0; i < this.size; i++) yield [this.#steps[i], this.#values[i]];
  }

  /** Steps in ascending order. */
  *keys(): MapIterator<number> {
    for (let i = 0; i < this.size; i++) yield this.#steps[i];
  }

  /** Values in ascending step order. */
  *values(): MapIterator<number> {
    for (let i = 0; i < this.size; i++) yield this.#values[i];
  }

  /** Same as entries(). */
  [Symbol.iterator](): MapIterator<[number, number]> {
    return this.entries();
  }
}
