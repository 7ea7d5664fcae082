/**
 * A running trial's reports, appended in ascending step order, with the running NaN-skipping
 * minimum and maximum: a snapshot of the trial views a prefix of it instead of copying it,
 * so `shouldPrune()` after every report costs O(1) per call instead of O(reports).
 */
export class StepLog {
  readonly #steps: number[] = [];
  readonly #values: number[] = [];
  /** Running np.nanmin / np.nanmax of the values up to each position (NaN while all are NaN). */
  readonly #mins: number[] = [];
  readonly #maxs: number[] = [];
  readonly #position = new Map<number, number>();

  /** Appends a report; false (nothing changed) unless `step` is above every step so far. */
  append(step: number, value: number): boolean {
    const n = this.#steps.length;
    if (n > 0 && step <= this.#steps[n - 1]) return false;
    const min = n > 0 ? this.#mins[n - 1] : NaN;
    const max = n > 0 ? this.#maxs[n - 1] : NaN;
    // The same fold as nanMin/nanMax (numpy/order-statistics.ts), one value at a time.
    this.#mins.push(!Number.isNaN(value) && !(value >= min) ? value : min);
    this.#maxs.push(!Number.isNaN(value) && !(value <= max) ? value : max);
    this.#position.set(step, n);
    this.#steps.push(step);
    this.#values.push(value);
    return true;
  }

  /** The reports so far, as a map that never changes (later appends are not in it). */
  view(): StepView {
    return new StepView(this.#steps, this.#values, this.#mins, this.#maxs, this.#position, this.#steps.length);
  }
}

/**
 * The first `size` reports of a StepLog, in ascending step order: an immutable
 * ReadonlyMap (the log only ever appends) that also answers the pruners' questions in O(1).
 */
export class StepView implements ReadonlyMap<number, number> {
  readonly size: number;
  readonly #steps: readonly number[];
  readonly #values: readonly number[];
  readonly #mins: readonly number[];
  readonly #maxs: readonly number[];
  readonly #position: ReadonlyMap<number, number>;

  /** @internal Made by StepLog.view(). */
  constructor(
    steps: readonly number[],
    values: readonly number[],
    mins: readonly number[],
    maxs: readonly number[],
    position: ReadonlyMap<number, number>,
    size: number,
  ) {
    this.#steps = steps;
    this.#values = values;
    this.#mins = mins;
    this.#maxs = maxs;
    this.#position = position;
    this.size = size;
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
    return this.size > 0 ? this.#mins[this.size - 1] : NaN;
  }

  /** np.nanmax of the values (NaN when all are NaN or there are none). */
  get nanMax(): number {
    return this.size > 0 ? this.#maxs[this.size - 1] : NaN;
  }

  /** The value reported at `step`, if it is in this view. */
  get(step: number): number | undefined {
    const i = this.#position.get(step);
    return i !== undefined && i < this.size ? this.#values[i] : undefined;
  }

  /** Whether `step` is in this view. */
  has(step: number): boolean {
    const i = this.#position.get(step);
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
