import type { Distribution } from "../../../src/vocabulary/distribution.ts";
import type { StudyView } from "../../../src/vocabulary/study-view.ts";
import type { FrozenTrial } from "../../../src/vocabulary/frozen-trial.ts";
import type { TrialState } from "../../../src/vocabulary/trial-state.ts";
import { distributionId } from "./distribution-ids.ts";
import { grownFloat64 } from "./grown-array.ts";
import { Column } from "./column.ts";

/**
 * The history TPE learns from, kept incrementally: one row per trial ever seen (keyed by
 * trialId, refreshed only when a new snapshot of that trial arrives), its ranking key, and
 * lazily built per-parameter columns of internal values. Each sampling call takes a
 * {@link HistorySnapshot}: the rows of the current view in trial-number order. Asking with
 * 10,000 trials in history then costs a pointer comparison per trial, not a re-conversion.
 */
export class ObservationHistory {
  readonly #states: readonly TrialState[];
  readonly #rowOf = new Map<number, number>();
  #rowTrial: FrozenTrial[] = [];
  #capacity = 0;
  #rowCount = 0;
  #stepKey = new Float64Array(0);
  /** Objective scores (sign-adjusted to "lower is better"), nObjectives per row. */
  #scores = new Float64Array(0);
  #nObjectives = 0;
  #spaceId = new Int32Array(0);
  readonly #columns = new Map<string, Column>();
  readonly #spaceKeys = new Map<string, number>();
  readonly #spaces: Readonly<Record<string, Distribution>>[] = [];
  #lastItems: FrozenTrial[] = [];
  #lastRowAt = new Int32Array(0);
  #lastSnapshot: HistorySnapshot | null = null;
  #lastDirections = "";
  /** The version of the view the last snapshot was taken of. */
  #lastVersion = Number.NaN;

  /** @param constantLiar include RUNNING trials (ranked worst). */
  constructor(constantLiar: boolean) {
    this.#states = constantLiar ? ["COMPLETE", "PRUNED", "RUNNING"] : ["COMPLETE", "PRUNED"];
  }

  /** The current view's history; the same object while the view's trials are unchanged. */
  snapshot(view: StudyView): HistorySnapshot {
    // The same version is the same trials and directions (StudyView's promise): nothing to re-read.
    const version = view.version;
    if (this.#lastSnapshot !== null && version === this.#lastVersion) return this.#lastSnapshot;
    const list = view.getTrials(this.#states);
    const directionsKey = view.directions.join(",");
    const last = this.#lastItems;
    // A new version may still list the same trials (it changed a trial in a state not read here).
    if (this.#lastSnapshot !== null && directionsKey === this.#lastDirections && sameTrials(list, last)) {
      this.#lastVersion = version;
      return this.#lastSnapshot;
    }
    if (directionsKey !== this.#lastDirections || view.directions.length !== this.#nObjectives) {
      // A different objective set: every cached ranking key is stale.
      this.#resetRows(view.directions.length);
      this.#lastDirections = directionsKey;
    }
    const signs = view.directions.map((d) => (d === "maximize" ? -1 : 1));
    const order = new Int32Array(list.length);
    const rowAt = new Int32Array(list.length);
    const lastRowAt = this.#lastRowAt;
    const lastLength = this.#lastSnapshot === null ? 0 : last.length;
    let size = 0;
    for (let i = 0; i < list.length; i++) {
      const trial = list[i];
      // Fast path: the same snapshot object at the same position as last time.
      const row = i < lastLength && last[i] === trial ? lastRowAt[i] : this.#rowFor(trial, signs);
      rowAt[i] = row;
      if (row >= 0) order[size++] = row;
    }
    const snap = new HistorySnapshot(this, order.subarray(0, size), this.#nObjectives);
    this.#lastItems = list.slice();
    this.#lastRowAt = rowAt;
    this.#lastSnapshot = snap;
    this.#lastVersion = version;
    return snap;
  }

  #resetRows(nObjectives: number): void {
    this.#rowOf.clear();
    this.#rowTrial = [];
    this.#rowCount = 0;
    this.#capacity = 0;
    this.#nObjectives = nObjectives;
    this.#stepKey = new Float64Array(0);
    this.#scores = new Float64Array(0);
    this.#spaceId = new Int32Array(0);
    this.#columns.clear();
    this.#lastItems = [];
    this.#lastSnapshot = null;
  }

  /** The row of a trial, (re)filled when this snapshot is new; -1 if it cannot be ranked. */
  #rowFor(trial: FrozenTrial, signs: readonly number[]): number {
    let row = this.#rowOf.get(trial.trialId);
    if (row !== undefined) {
      const cached = this.#rowTrial[row];
      if (cached === trial) return (Number.isNaN(this.#stepKey[row]) ? -1 : row);
      // Finished trials never change: a fresh copy of one needs no refill.
      if (cached.state === trial.state && trial.state !== "RUNNING" && trial.state !== "WAITING") {
        this.#rowTrial[row] = trial;
        return (Number.isNaN(this.#stepKey[row]) ? -1 : row);
      }
    } else {
      row = this.#rowCount++;
      this.#ensureCapacity(this.#rowCount);
      this.#rowOf.set(trial.trialId, row);
    }
    this.#rowTrial[row] = trial;
    this.#fillRanking(row, trial, signs);
    this.#spaceId[row] = this.#spaceIdOf(trial);
    for (const [name, column] of this.#columns) column.fill(row, name, trial);
    return (Number.isNaN(this.#stepKey[row]) ? -1 : row);
  }

  #fillRanking(row: number, trial: FrozenTrial, signs: readonly number[]): void {
    const k = this.#nObjectives;
    const base = row * k;
    const multi = k > 1;
    if (trial.state === "COMPLETE") {
      const values = trial.values ?? (trial.value !== null ? [trial.value] : null);
      if (values === null || values.length !== k) {
        this.#stepKey[row] = UNRANKABLE;
        return;
      }
      this.#stepKey[row] = -Infinity;
      for (let j = 0; j < k; j++) this.#scores[base + j] = orderable(signs[j] * values[j]);
      return;
    }
    if (multi) {
      // As Optuna 3.1, multi-objective TPE ranks COMPLETE trials only.
      this.#stepKey[row] = UNRANKABLE;
      return;
    }
    if (trial.state === "PRUNED") {
      let step = -Infinity;
      let value = 0;
      for (const [s, v] of trial.intermediateValues) {
        if (s > step) {
          step = s;
          value = v;
        }
      }
      if (step === -Infinity) {
        // Pruned before reporting anything: behind every pruned trial that reported.
        this.#stepKey[row] = 1;
        this.#scores[base] = 0;
      } else {
        // Deeper is better (-step sorts first), then the value at that step.
        this.#stepKey[row] = -step;
        this.#scores[base] = orderable(signs[0] * value);
      }
      return;
    }
    if (trial.state === "RUNNING") {
      // Constant liar: a running trial is worse than anything finished.
      this.#stepKey[row] = Infinity;
      this.#scores[base] = Infinity;
      return;
    }
    this.#stepKey[row] = UNRANKABLE;
  }

  #spaceIdOf(trial: FrozenTrial): number {
    const names = Object.keys(trial.distributions).sort();
    let key = "";
    // Names cannot contain NUL in practice; the id is a number, so the key is unambiguous.
    for (const name of names) key += `${name}\u0000${distributionId(trial.distributions[name])}\u0000`;
    let id = this.#spaceKeys.get(key);
    if (id === undefined) {
      id = this.#spaces.length;
      this.#spaceKeys.set(key, id);
      // Kept in the trial's own (suggestion) order: joint proposals draw params in this order,
      // as Optuna draws them in its search space's order.
      const space: Record<string, Distribution> = { ...trial.distributions };
      this.#spaces.push(space);
    }
    return id;
  }

  #ensureCapacity(rows: number): void {
    if (rows <= this.#capacity) return;
    const capacity = Math.max(64, this.#capacity * 2, rows);
    this.#stepKey = grownFloat64(this.#stepKey, capacity);
    this.#scores = grownFloat64(this.#scores, capacity * Math.max(1, this.#nObjectives));
    const spaceId = new Int32Array(capacity);
    spaceId.set(this.#spaceId);
    this.#spaceId = spaceId;
    for (const column of this.#columns.values()) column.grow(capacity);
    this.#capacity = capacity;
  }

  /** @internal Column of a parameter over all rows (built on first use). */
  column(name: string): Column {
    let column = this.#columns.get(name);
    if (column === undefined) {
      column = new Column(this.#capacity);
      for (let row = 0; row < this.#rowCount; row++) column.fill(row, name, this.#rowTrial[row]);
      this.#columns.set(name, column);
    }
    return column;
  }

  /** @internal Rows ever filled. */
  get rowCount(): number {
    return this.#rowCount;
  }
  /** @internal */
  rowTrial(row: number): FrozenTrial {
    return this.#rowTrial[row];
  }
  /** @internal */
  stepKey(row: number): number {
    return this.#stepKey[row];
  }
  /** @internal */
  score(row: number, objective: number): number {
    return this.#scores[row * this.#nObjectives + objective];
  }
  /** @internal */
  spaceId(row: number): number {
    return this.#spaceId[row];
  }
  /** @internal */
  space(id: number): Readonly<Record<string, Distribution>> {
    return this.#spaces[id];
  }
}

/** Marks a row that takes no part in the split (FAIL, WAITING, malformed). */
const UNRANKABLE = Number.NaN;

/** NaN objective values rank last, like numpy's sort. */
function orderable(v: number): number {
  return Number.isNaN(v) ? Infinity : v;
}

function sameTrials(a: readonly FrozenTrial[], b: readonly FrozenTrial[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The rankable trials of one view, in trial-number order ("positions"), with their ranking
 * keys. Derived data (splits, search spaces) is memoised here, so the six suggests of one
 * trial share it.
 */
export class HistorySnapshot {
  /** Row per position. */
  readonly rows: Int32Array;
  readonly size: number;
  /** COMPLETE + PRUNED trials: the n of gamma(n) and of the start-up phase. */
  readonly nFinished: number;
  readonly nObjectives: number;
  readonly stepKey: Float64Array;
  /** Scores by position (first objective); see {@link scoreVectors} for all objectives. */
  readonly score: Float64Array;
  readonly #history: ObservationHistory;
  readonly memo = new Map<string, unknown>();

  constructor(history: ObservationHistory, rows: Int32Array, nObjectives: number) {
    this.#history = history;
    this.rows = rows;
    this.size = rows.length;
    this.nObjectives = nObjectives;
    this.stepKey = new Float64Array(this.size);
    this.score = new Float64Array(this.size);
    let finished = 0;
    for (let p = 0; p < this.size; p++) {
      const r = rows[p];
      const s = history.stepKey(r);
      this.stepKey[p] = s;
      this.score[p] = history.score(r, 0);
      if (s !== Infinity) finished++;
    }
    this.nFinished = finished;
  }

  /** The trials by position. */
  get trials(): readonly FrozenTrial[] {
    let t = this.memo.get("trials") as FrozenTrial[] | undefined;
    if (!t) {
      t = Array.from(this.rows, (r) => this.#history.rowTrial(r));
      this.memo.set("trials", t);
    }
    return t;
  }

  /** All objective scores by position, row-major (size × nObjectives). */
  scoreVectors(): Float64Array {
    const k = this.nObjectives;
    const out = new Float64Array(this.size * k);
    for (let p = 0; p < this.size; p++) for (let j = 0; j < k; j++) out[p * k + j] = this.#history.score(this.rows[p], j);
    return out;
  }

  /** Whether the trial at a position is finished (COMPLETE or PRUNED), i.e. not a liar. */
  isFinished(p: number): boolean {
    return this.stepKey[p] !== Infinity;
  }

  /** The id of the parameter set (names and distributions) of the trial at a position. */
  spaceIdAt(p: number): number {
    return this.#history.spaceId(this.rows[p]);
  }

  /** The distributions of a space id. */
  space(id: number): Readonly<Record<string, Distribution>> {
    return this.#history.space(id);
  }

  /**
   * Writes into `order` the order of `positions` by the value of `name` (indices into
   * `positions`, ascending, ties by row, which need not be position order), from the
   * column's kept sorted rows; false when a position's value is not stored under
   * `distribution` (it is then re-read, and the caller sorts).
   */
  kernelOrderOf(name: string, distribution: Distribution, positions: Int32Array, order: Int32Array): boolean {
    const rowCount = this.#history.rowCount;
    const sorted = this.#history.column(name).sortedRows(distributionId(distribution), rowCount);
    if (indexOfRow.length < rowCount) indexOfRow = new Int32Array(Math.max(64, rowCount * 2)).fill(-1);
    for (let k = 0; k < positions.length; k++) indexOfRow[this.rows[positions[k]]] = k;
    let count = 0;
    for (let r = 0; r < sorted.length; r++) {
      const k = indexOfRow[sorted[r]];
      if (k >= 0) order[count++] = k;
    }
    for (let k = 0; k < positions.length; k++) indexOfRow[this.rows[positions[k]]] = -1;
    return count === positions.length;
  }

  /**
   * Values of `name` by position in the kernels' space, as `distribution` reads them: the
   * log of each value for a log distribution (from the column's cached logs where the stored
   * distribution is the same), else the internal values; NaN where the trial lacks the
   * parameter or its value does not fit `distribution` (a changed range or choice list).
   * Written into `out`.
   */
  kernelValuesOf(name: string, distribution: Distribution, out: Float64Array): void {
    const logged = distribution.type !== "categorical" && distribution.log;
    const column = this.#history.column(name);
    const wanted = distributionId(distribution);
    const { distIds } = column;
    const values = logged ? column.logs : column.values;
    for (let p = 0; p < this.size; p++) {
      const r = this.rows[p];
      const id = distIds[r];
      if (id === wanted) out[p] = values[r];
      else if (id === -1) out[p] = NaN;
      else {
        const v = reread(this.#history.rowTrial(r), name, distribution);
        out[p] = logged ? Math.log(v) : v;
      }
    }
  }
}

/** Subset index by row for kernelOrderOf, -1 elsewhere; grown on demand and reused. */
let indexOfRow = new Int32Array(0);

/** A param stored under another distribution, read through the current one if it fits. */
function reread(trial: FrozenTrial, name: string, d: Distribution): number {
  const external = trial.params[name];
  if (d.type === "categorical") {
    const i = d.choices.findIndex((c) => Object.is(c, external));
    return i >= 0 ? i : NaN;
  }
  if (typeof external !== "number" || !(external >= d.low && external <= d.high)) return NaN;
  return external;
}
