import { z } from "zod";
import type { FrozenTrial } from "../vocabulary/frozen-trial.ts";
import { lastStep } from "../vocabulary/frozen-trial.ts";
import type { StudyView } from "../vocabulary/study-view.ts";
import type { Pruner } from "./pruner.ts";
import { firstCompletion, startedAfterCompletionOf } from "./internal/first-completion.ts";
import { autoOrIntAtLeast, intAtLeast, parsePrunerOptions } from "./internal/pruner-options.ts";
import { reportsByPosition } from "./internal/reports-by-position.ts";
import { RungLadder, type RungContext } from "./internal/rung-ladder.ts";
import { successiveHalvingPrune } from "./internal/successive-halving-rule.ts";
import { singleDirection } from "./internal/single-direction.ts";

/** Options of {@link SuccessiveHalvingPruner}. */
export interface SuccessiveHalvingPrunerOptions {
  /** Steps before the first rung, or "auto": max(⌊steps of the first completed trial / 100⌋, 1). Default "auto". */
  minResource?: number | "auto";
  /** η: each rung keeps the best 1/η. Default 4. */
  reductionFactor?: number;
  /** s: the first rung is at minResource·η^s. Default 0. */
  minEarlyStoppingRate?: number;
  /** Prune until more than this many trials have reached a rung (needs a fixed minResource). Default 0. */
  bootstrapCount?: number;
}

const shaSchema = z
  .strictObject({
    minResource: autoOrIntAtLeast(1).default("auto"),
    reductionFactor: intAtLeast(2).default(4),
    minEarlyStoppingRate: intAtLeast(0).default(0),
    bootstrapCount: intAtLeast(0).default(0),
  })
  .refine((o) => o.bootstrapCount === 0 || o.minResource !== "auto", {
    error: 'bootstrapCount > 0 needs a fixed minResource, not "auto"',
  });

/**
 * Asynchronous successive halving (ASHA, Optuna's SuccessiveHalvingPruner): at rung k, a
 * trial that has trained minResource·η^(s+k) steps continues only if its value is in the
 * top 1/η of all values recorded at that rung so far.
 *
 * Pure: the rung values Optuna stores as `completed_rung_<k>` system attrs are recomputed
 * from the trials' intermediate values (see {@link SuccessiveHalvingPruner.rungValues}).
 *
 * @example
 * createStudy({ pruner: new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3 }) })
 */
export class SuccessiveHalvingPruner implements Pruner {
  readonly #minResource: number | "auto";
  readonly #reductionFactor: number;
  readonly #minEarlyStoppingRate: number;
  readonly #bootstrapCount: number;
  readonly #ladders = new Map<number, RungLadder>();

  constructor(options: SuccessiveHalvingPrunerOptions = {}) {
    const o = parsePrunerOptions("SuccessiveHalvingPruner", shaSchema, options);
    this.#minResource = o.minResource;
    this.#reductionFactor = o.reductionFactor;
    this.#minEarlyStoppingRate = o.minEarlyStoppingRate;
    this.#bootstrapCount = o.bootstrapCount;
  }

  /** True when the trial's latest value misses the top 1/η at a rung it has just reached. */
  prune(study: StudyView, trial: FrozenTrial): boolean {
    if (lastStep(trial) === undefined) return false;
    const setup = this.#setup(study);
    if (!setup || !setup.ctx.participates(trial)) return false;
    return successiveHalvingPrune(setup.ladder, trial, setup.ctx);
  }

  /**
   * The values `trial` has recorded at rungs 0, 1, ... — what Optuna stores as its
   * `completed_rung_<k>` system attrs; empty while an "auto" minResource is not known yet.
   */
  rungValues(study: StudyView, trial: FrozenTrial): readonly number[] {
    const setup = this.#setup(study);
    if (!setup || !setup.ctx.participates(trial)) return [];
    return setup.ladder.rungValues(trial, setup.ctx);
  }

  /** The minResource in force for `study` (resolving "auto"), or null while it cannot be estimated. */
  minResourceFor(study: StudyView): number | null {
    return this.#setup(study)?.ladder.minResource ?? null;
  }

  #setup(study: StudyView): { ladder: RungLadder; ctx: RungContext } | null {
    const population = study.getTrials();
    let minResource: number;
    let participates: (t: FrozenTrial) => boolean = always;
    if (this.#minResource === "auto") {
      const reference = firstCompletion(population);
      if (!reference) return null;
      // The reference is a stored trial (a plain map): its sorted view is made once, not walked per check.
      minResource = Math.max(Math.floor((reportsByPosition(reference.intermediateValues).lastStep as number) / 100), 1);
      participates = (t) => startedAfterCompletionOf(t, reference);
    } else {
      minResource = this.#minResource;
    }
    const direction = singleDirection(study, "SuccessiveHalvingPruner");
    return { ladder: this.#ladder(minResource), ctx: { population, direction, bootstrapCount: this.#bootstrapCount, participates } };
  }

  #ladder(minResource: number): RungLadder {
    let ladder = this.#ladders.get(minResource);
    if (!ladder) {
      ladder = new RungLadder(minResource, this.#reductionFactor, this.#minEarlyStoppingRate);
      this.#ladders.set(minResource, ladder);
    }
    return ladder;
  }
}

const always = (): boolean => true;
