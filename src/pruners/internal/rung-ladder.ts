import type { StudyDirection } from "../../vocabulary/study-direction.ts";
import type { FrozenTrial } from "../../vocabulary/frozen-trial.ts";
import { reportsByPosition } from "./reports-by-position.ts";

/** The competition a ladder's rungs are judged in. */
export interface RungContext {
  /** The trials that compete (the study, or one Hyperband bracket). */
  readonly population: readonly FrozenTrial[];
  readonly direction: StudyDirection;
  readonly bootstrapCount: number;
  /** Whether a trial's rung values count (false for trials that ran before "auto" was known). */
  readonly participates: (t: FrozenTrial) => boolean;
}

interface CacheEntry {
  readonly size: number;
  readonly values: readonly number[];
}

/**
 * The promotion steps of one successive-halving ladder and the rung values trials record
 * on it, recomputed from intermediate values instead of stored as system attrs.
 *
 * Optuna's SuccessiveHalvingPruner, at a pruning call whose step reaches the promotion
 * step of the trial's current rung, stores the trial's latest value as
 * `completed_rung_<k>` (unless it is NaN), decides, and on promotion moves on to the next
 * rung in the same call. With a pruning call after every report (as trials do), that
 * stored value is the value of the first report at or past the rung's promotion step.
 * When one report jumps past several rungs, the trial only records the rungs up to the
 * first one it fails; {@link RungLadder.rungValues} replays that decision against the
 * trials that had finished before it (exact for trials run one after another).
 */
export class RungLadder {
  readonly minResource: number;
  readonly #reductionFactor: number;
  readonly #minEarlyStoppingRate: number;
  readonly #steps: number[] = [];
  /**
   * Per trial snapshot: its rung values, valid while its report count is unchanged. A
   * snapshot belongs to one study and one bracket, so the population need not be part of
   * the key; a finished trial's values never change.
   */
  readonly #cache = new WeakMap<FrozenTrial, CacheEntry>();

  constructor(minResource: number, reductionFactor: number, minEarlyStoppingRate: number) {
    this.minResource = minResource;
    this.#reductionFactor = reductionFactor;
    this.#minEarlyStoppingRate = minEarlyStoppingRate;
  }

  /** The step at which rung `k` is judged: minResource·η^(minEarlyStoppingRate + k). */
  promotionStep(k: number): number {
    while (this.#steps.length <= k) {
      const rung = this.#steps.length;
      this.#steps.push(this.minResource * this.#reductionFactor ** (this.#minEarlyStoppingRate + rung));
    }
    return this.#steps[k];
  }

  /** The values `trial` recorded at rungs 0, 1, ... (cached per trial snapshot). */
  rungValues(trial: FrozenTrial, ctx: RungContext): readonly number[] {
    const size = trial.intermediateValues.size;
    const hit = this.#cache.get(trial);
    if (hit && hit.size === size) return hit.values;
    const values = this.#walk(trial, Infinity, ctx);
    this.#cache.set(trial, { size, values });
    return values;
  }

  /** How many rungs `trial` had recorded before its report at `step` (its current rung then). */
  rungBefore(trial: FrozenTrial, step: number, ctx: RungContext): number {
    return this.#walk(trial, step, ctx).length;
  }

  /** The values recorded at rung `k` by the participating trials of `ctx` other than `trial`. */
  competitors(trial: FrozenTrial, k: number, ctx: RungContext, onlyFinishedBefore: boolean): number[] {
    const out: number[] = [];
    for (const other of ctx.population) {
      // The trial's own entry in the history may already hold this report: count it once.
      if (other.number === trial.number || !ctx.participates(other)) continue;
      if (onlyFinishedBefore && !finishesBefore(other, trial)) continue;
      const recorded = this.rungValues(other, ctx);
      if (recorded.length > k) out.push(recorded[k]);
    }
    return out;
  }

  /**
   * Whether `value` may advance past a rung where `competing` (every value recorded at the
   * rung, this one included) stand: it must be within the best ⌊n/η⌋ (the best one while
   * fewer than η have arrived, since a trial cannot wait for later ones).
   */
  isPromotable(value: number, competing: readonly number[], direction: StudyDirection): boolean {
    let promotableIndex = Math.floor(competing.length / this.#reductionFactor) - 1;
    if (promotableIndex === -1) promotableIndex = 0;
    // value <= sorted[idx] (ascending) is the same as: at most idx values beat it strictly.
    let better = 0;
    if (direction === "maximize") {
      for (const c of competing) if (c > value) better++;
    } else {
      for (const c of competing) if (c < value) better++;
    }
    return better <= promotableIndex;
  }

  /**
   * Replays the recording over the reports strictly before `untilStep`. Only a report that
   * records a rung changes anything, and the next one is found by position (the first
   * non-NaN report at or past the current rung's promotion step), so the replay costs
   * O(rungs · log reports) instead of a pass over every report.
   */
  #walk(trial: FrozenTrial, untilStep: number, ctx: RungContext): number[] {
    const reports = reportsByPosition(trial.intermediateValues);
    const end = reports.positionAtOrAfter(untilStep);
    const values: number[] = [];
    for (let next = 0; ; next++) {
      // A NaN is pruned before it is recorded; a trial that keeps going records its next value.
      next = reports.nextNumberPosition(Math.max(next, reports.positionAtOrAfter(this.promotionStep(values.length))));
      if (next >= end) return values;
      const step = reports.stepAt(next);
      const value = reports.valueAt(next);
      while (step >= this.promotionStep(values.length)) {
        const rung = values.length;
        values.push(value);
        // Only a report that reaches the next rung as well needs this rung's verdict.
        if (step >= this.promotionStep(rung + 1) && !this.#passed(trial, rung, value, ctx)) break;
      }
    }
  }

  /** Whether a past call of `trial` was promoted at `rung`, judged against the trials finished before it. */
  #passed(trial: FrozenTrial, rung: number, value: number, ctx: RungContext): boolean {
    this.#warm(trial, ctx);
    const competing = this.competitors(trial, rung, ctx, true);
    competing.push(value);
    return competing.length > ctx.bootstrapCount && this.isPromotable(value, competing, ctx.direction);
  }

  /** Fills the cache in finishing order, so judging a past call never recurses deeply. */
  #warm(trial: FrozenTrial, ctx: RungContext): void {
    const pending = ctx.population.filter((t) => {
      if (t.number === trial.number || !ctx.participates(t) || !finishesBefore(t, trial)) return false;
      const hit = this.#cache.get(t);
      return !(hit && hit.size === t.intermediateValues.size);
    });
    pending.sort((a, b) => (finishesBefore(a, b) ? -1 : 1));
    for (const t of pending) this.rungValues(t, ctx);
  }
}

/** Finishing order: by completion time (unfinished last), then by number. */
function finishesBefore(a: FrozenTrial, b: FrozenTrial): boolean {
  const ta = a.datetimeComplete?.getTime() ?? Infinity;
  const tb = b.datetimeComplete?.getTime() ?? Infinity;
  return ta !== tb ? ta < tb : a.number < b.number;
}
