import type { FrozenTrial } from "../../vocabulary/frozen-trial.ts";
import type { StudyView } from "../../vocabulary/study-view.ts";
import { upperBound } from "../../numpy/index.ts";

/** What the index knows about one step across the COMPLETE trials. */
export interface StepColumn {
  /** How many COMPLETE trials reported this step, NaN reports included. */
  readonly count: number;
  /** Their non-NaN values, ascending. */
  readonly sorted: readonly number[];
  /** Over trials with a number at this step and as final value: the largest (value here - final value). */
  readonly maxDrop: number;
  /** ... and the smallest (value here - final value). */
  readonly minDrop: number;
}

interface MutableColumn {
  count: number;
  sorted: number[];
  maxDrop: number;
  minDrop: number;
}

const EMPTY: StepColumn = { count: 0, sorted: [], maxDrop: NaN, minDrop: NaN };

/**
 * The intermediate and final values of a study's COMPLETE trials, sorted per step, kept up to date
 * incrementally: a COMPLETE trial never changes, so each call only adds the trials that
 * completed since the last one instead of re-sorting every step of every trial.
 */
export class CompletedStepIndex {
  #byNumber = new Map<number, FrozenTrial>();
  #columns = new Map<number, MutableColumn>();
  #finals: number[] = [];
  /** The version of the view the index was last brought in line with. */
  #version = Number.NaN;

  /**
   * Brings the index in line with the COMPLETE trials of `study`: nothing to read while its
   * version is the one last seen (StudyView's promise); else only the trials completed
   * since are inserted, or everything is rebuilt when a trial the index holds is gone or
   * changed (another view, a rewritten history).
   */
  sync(study: StudyView): void {
    const version = study.version;
    if (version === this.#version) return;
    this.#version = version;
    const completed = study.getTrials(["COMPLETE"]);
    let added: FrozenTrial[] | null = null;
    for (const t of completed) {
      const known = this.#byNumber.get(t.number);
      if (known === undefined) (added ??= []).push(t);
      else if (known !== t) {
        if (!sameReports(known, t)) return this.#rebuild(completed);
        // A fresh snapshot of the same finished trial: remember it so the next check is by identity.
        this.#byNumber.set(t.number, t);
      }
    }
    if (this.#byNumber.size + (added?.length ?? 0) !== completed.length) return this.#rebuild(completed);
    if (added) for (const t of added) this.#add(t);
  }

  /** The values reported at `step` by the indexed trials. */
  column(step: number): StepColumn {
    return this.#columns.get(step) ?? EMPTY;
  }

  /** The indexed trials' non-NaN final values (trial.value), ascending. */
  get finals(): readonly number[] {
    return this.#finals;
  }

  /** How many COMPLETE trials the index holds. */
  get size(): number {
    return this.#byNumber.size;
  }

  #rebuild(completed: readonly FrozenTrial[]): void {
    this.#byNumber.clear();
    this.#columns.clear();
    this.#finals = [];
    for (const t of completed) this.#add(t);
  }

  #add(t: FrozenTrial): void {
    this.#byNumber.set(t.number, t);
    const final = t.value ?? NaN;
    if (!Number.isNaN(final)) this.#finals.splice(upperBound(this.#finals, final), 0, final);
    for (const [step, value] of t.intermediateValues) {
      let col = this.#columns.get(step);
      if (!col) this.#columns.set(step, (col = { count: 0, sorted: [], maxDrop: NaN, minDrop: NaN }));
      col.count++;
      if (Number.isNaN(value)) continue;
      col.sorted.splice(upperBound(col.sorted, value), 0, value);
      const drop = value - final;
      if (Number.isNaN(drop)) continue;
      if (!(drop <= col.maxDrop)) col.maxDrop = drop;
      if (!(drop >= col.minDrop)) col.minDrop = drop;
    }
  }
}

function sameReports(a: FrozenTrial, b: FrozenTrial): boolean {
  if (a.state !== b.state || !Object.is(a.value, b.value) || a.intermediateValues.size !== b.intermediateValues.size) return false;
  for (const [step, v] of a.intermediateValues) {
    const w = b.intermediateValues.get(step);
    if (w === undefined || !Object.is(w, v)) return false;
  }
  return true;
}
