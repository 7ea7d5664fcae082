import type { FrozenTrial } from "../../../src/vocabulary/frozen-trial.ts";
import { toInternal } from "../../../src/distributions/distribution-ops.ts";
import { distributionId } from "./distribution-ids.ts";
import { grownFloat64 } from "./grown-array.ts";
import { stableArgsort } from "../parzen/stable-argsort.ts";

/**
 * One parameter over all rows: internal value, its log where the distribution is a log
 * one (the kernels' space: logged once per trial, not on every ask), and distribution id
 * (-1: absent).
 */
export class Column {
  values: Float64Array;
  logs: Float64Array;
  distIds: Int32Array;
  /**
   * The rows below #sortedUpTo whose value is stored under distribution #sortedId, ascending
   * by value (ties by row): kept across asks, so the univariate estimators' kernel order is a
   * walk over it instead of a sort per estimator (one new trial per ask is one insertion).
   */
  #sorted = new Int32Array(0);
  #sortedCount = 0;
  #sortedUpTo = 0;
  #sortedId = -1;

  constructor(capacity: number) {
    this.values = new Float64Array(capacity);
    this.logs = new Float64Array(capacity);
    this.distIds = new Int32Array(capacity).fill(-1);
  }

  /**
   * Rows 0..rowCount-1 stored under distribution `id`, ascending by value (internal values:
   * a log distribution's logs order alike, ties aside, and the estimator re-sorts ties), ties by row.
   */
  sortedRows(id: number, rowCount: number): Int32Array {
    if (id !== this.#sortedId || rowCount < this.#sortedUpTo) this.#rebuildSorted(id, rowCount);
    else if (rowCount > this.#sortedUpTo) {
      // Few new rows (one per ask): insert each; many (a first ask, a resumed study): re-sort.
      if (rowCount - this.#sortedUpTo > 64 && rowCount - this.#sortedUpTo > this.#sortedCount >> 3) this.#rebuildSorted(id, rowCount);
      else for (let row = this.#sortedUpTo; row < rowCount; row++) if (this.distIds[row] === id) this.#insertSorted(row);
      this.#sortedUpTo = rowCount;
    }
    return this.#sorted.subarray(0, this.#sortedCount);
  }

  #rebuildSorted(id: number, rowCount: number): void {
    let count = 0;
    for (let row = 0; row < rowCount; row++) if (this.distIds[row] === id) count++;
    const rows = new Int32Array(count);
    const keys = new Float64Array(count);
    count = 0;
    for (let row = 0; row < rowCount; row++) {
      if (this.distIds[row] !== id) continue;
      rows[count] = row;
      keys[count++] = this.values[row];
    }
    const order = stableArgsort(keys);
    this.#sorted = new Int32Array(Math.max(64, rowCount * 2));
    for (let r = 0; r < count; r++) this.#sorted[r] = rows[order[r]];
    this.#sortedCount = count;
    this.#sortedUpTo = rowCount;
    this.#sortedId = id;
  }

  #insertSorted(row: number): void {
    if (this.#sortedCount === this.#sorted.length) {
      const bigger = new Int32Array(this.#sorted.length * 2);
      bigger.set(this.#sorted);
      this.#sorted = bigger;
    }
    const v = this.values[row];
    const sorted = this.#sorted;
    // After every row of equal value (rows arrive in increasing order).
    let lo = 0;
    let hi = this.#sortedCount;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.values[sorted[mid]] <= v) lo = mid + 1;
      else hi = mid;
    }
    sorted.copyWithin(lo + 1, lo, this.#sortedCount);
    sorted[lo] = row;
    this.#sortedCount++;
  }

  /** @internal */
  grow(capacity: number): void {
    this.values = grownFloat64(this.values, capacity);
    this.logs = grownFloat64(this.logs, capacity);
    const ids = new Int32Array(capacity).fill(-1);
    ids.set(this.distIds);
    this.distIds = ids;
  }

  /** @internal */
  fill(row: number, name: string, trial: FrozenTrial): void {
    const id = this.distIds[row];
    const value = this.values[row];
    this.#read(row, name, trial);
    // A refilled row (a trial that changed state) that moved invalidates the sorted rows.
    if (row < this.#sortedUpTo && (this.distIds[row] !== id || !Object.is(this.values[row], value))) this.#sortedId = -1;
  }

  #read(row: number, name: string, trial: FrozenTrial): void {
    const d = Object.prototype.hasOwnProperty.call(trial.distributions, name) ? trial.distributions[name] : undefined;
    if (d === undefined || !Object.prototype.hasOwnProperty.call(trial.params, name)) {
      this.distIds[row] = -1;
      return;
    }
    try {
      const v = toInternal(d, trial.params[name]);
      this.values[row] = v;
      if (d.type !== "categorical" && d.log) this.logs[row] = Math.log(v);
      this.distIds[row] = distributionId(d);
    } catch {
      this.distIds[row] = -1;
    }
  }
}
