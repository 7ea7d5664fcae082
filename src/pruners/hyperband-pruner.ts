import { z } from "zod";
import type { FrozenTrial } from "../vocabulary/frozen-trial.ts";
import { lastStep } from "../vocabulary/frozen-trial.ts";
import type { StudyView } from "../vocabulary/study-view.ts";
import { DerivedStudyViews } from "../vocabulary/derived-study-view.ts";
import type { Pruner } from "./pruner.ts";
import { crc32Text as crc32 } from "../internal/crc32.ts";
import { firstCompletion, startedAfterCompletionOf } from "./internal/first-completion.ts";
import { autoOrIntAtLeast, intAtLeast, parsePrunerOptions } from "./internal/pruner-options.ts";
import { reportsByPosition } from "./internal/reports-by-position.ts";
import { RungLadder } from "./internal/rung-ladder.ts";
import { successiveHalvingPrune } from "./internal/successive-halving-rule.ts";
import { singleDirection } from "./internal/single-direction.ts";

/** Options of {@link HyperbandPruner}. */
export interface HyperbandPrunerOptions {
  /** Steps before the first rung of the most aggressive bracket. Default 1. */
  minResource?: number;
  /** Steps of a full run, or "auto": the first completed trial's last step + 1. Default "auto". */
  maxResource?: number | "auto";
  /** η of every bracket. Default 3. */
  reductionFactor?: number;
  /** As in SuccessiveHalvingPruner (needs a fixed maxResource). Default 0. */
  bootstrapCount?: number;
}

const hyperbandSchema = z
  .strictObject({
    minResource: intAtLeast(1).default(1),
    maxResource: autoOrIntAtLeast(1).default("auto"),
    reductionFactor: intAtLeast(2).default(3),
    bootstrapCount: intAtLeast(0).default(0),
  })
  .refine((o) => o.maxResource === "auto" || o.maxResource >= o.minResource, {
    error: "must be >= minResource",
    path: ["maxResource"],
  })
  .refine((o) => o.bootstrapCount === 0 || o.maxResource !== "auto", {
    error: 'bootstrapCount > 0 needs a fixed maxResource, not "auto"',
  });

/** The brackets for one maxResource: budgets, ladders, and trial numbers already hashed. */
interface BracketLayout {
  readonly budgets: readonly number[];
  readonly totalBudget: number;
  readonly ladders: readonly RungLadder[];
  readonly bracketByStudy: Map<string, Map<number, number>>;
}

/**
 * Hyperband (Optuna's HyperbandPruner): several successive-halving brackets of different
 * aggressiveness, bracket s starting its rungs at minResource·η^s. Each trial is assigned a
 * bracket deterministically from crc32(`${studyName}_${trial.number}`), weighted by the
 * brackets' budgets, and competes only with the trials of its own bracket.
 *
 * @example
 * createStudy({ pruner: new HyperbandPruner({ minResource: 1, maxResource: 20, reductionFactor: 3 }) })
 */
export class HyperbandPruner implements Pruner {
  readonly #minResource: number;
  readonly #maxResource: number | "auto";
  readonly #reductionFactor: number;
  readonly #bootstrapCount: number;
  readonly #layouts = new Map<number, BracketLayout | null>();
  /** One view per study view and bracket, so that its version (and TPE's cache of it) lasts. */
  readonly #bracketViews = new DerivedStudyViews<number>();

  constructor(options: HyperbandPrunerOptions = {}) {
    const o = parsePrunerOptions("HyperbandPruner", hyperbandSchema, options);
    this.#minResource = o.minResource;
    this.#maxResource = o.maxResource;
    this.#reductionFactor = o.reductionFactor;
    this.#bootstrapCount = o.bootstrapCount;
  }

  /** True when the trial's successive-halving bracket says so. */
  prune(study: StudyView, trial: FrozenTrial): boolean {
    if (lastStep(trial) === undefined) return false;
    const setup = this.#setup(study);
    if (!setup || !setup.participates(trial)) return false;
    const { layout } = setup;
    const bracket = this.#bracketOf(layout, study.studyName, trial.number);
    const population = setup.trials.filter((t) => this.#bracketOf(layout, study.studyName, t.number) === bracket);
    return successiveHalvingPrune(layout.ladders[bracket], trial, {
      population,
      direction: singleDirection(study, "HyperbandPruner"),
      bootstrapCount: this.#bootstrapCount,
      participates: setup.participates,
    });
  }

  /**
   * The study as `trial`'s bracket sees it: only the trials of the same bracket. Samplers
   * (TPE) narrow their history with it, as Optuna does; the study itself while the brackets
   * are not known yet (an "auto" maxResource before any trial completed).
   */
  samplingView(study: StudyView, trial: FrozenTrial): StudyView {
    const setup = this.#setup(study);
    if (!setup) return study;
    const bracket = this.#bracketOf(setup.layout, study.studyName, trial.number);
    return this.#bracketViews.of(study, bracket, {
      keepsFor: (parent) => {
        const layout = this.#setup(parent)?.layout;
        return (t) => layout === undefined || this.#bracketOf(layout, parent.studyName, t.number) === bracket;
      },
    });
  }

  /** The bracket (0 = most aggressive) of trial `trialNumber`, or null while the brackets are not known. */
  bracketId(study: StudyView, trialNumber: number): number | null {
    const setup = this.#setup(study);
    return setup ? this.#bracketOf(setup.layout, study.studyName, trialNumber) : null;
  }

  /** The number of brackets for `study` (resolving "auto"), or null while not known. */
  bracketCount(study: StudyView): number | null {
    return this.#setup(study)?.layout.ladders.length ?? null;
  }

  #setup(study: StudyView): { trials: readonly FrozenTrial[]; layout: BracketLayout; participates: (t: FrozenTrial) => boolean } | null {
    const trials = study.getTrials();
    if (this.#maxResource !== "auto") {
      const layout = this.#layout(this.#maxResource);
      return layout && { trials, layout, participates: always };
    }
    const reference = firstCompletion(trials);
    if (!reference) return null;
    // The reference is a stored trial (a plain map): its sorted view is made once, not walked per check.
    const layout = this.#layout((reportsByPosition(reference.intermediateValues).lastStep as number) + 1);
    return layout && { trials, layout, participates: (t) => startedAfterCompletionOf(t, reference) };
  }

  #layout(maxResource: number): BracketLayout | null {
    if (this.#layouts.has(maxResource)) return this.#layouts.get(maxResource) as BracketLayout | null;
    const eta = this.#reductionFactor;
    // floor(log_η(max/min)) + 1 brackets, computed as Python's math.log(x, base) does.
    const nBrackets = Math.floor(Math.log(maxResource / this.#minResource) / Math.log(eta)) + 1;
    let layout: BracketLayout | null = null;
    // An "auto" maxResource below minResource leaves no bracket: never prune, as Optuna.
    if (nBrackets > 0) {
      const budgets: number[] = [];
      const ladders: RungLadder[] = [];
      for (let bracket = 0; bracket < nBrackets; bracket++) {
        const s = nBrackets - 1 - bracket;
        budgets.push(Math.ceil((nBrackets * eta ** s) / (s + 1)));
        ladders.push(new RungLadder(this.#minResource, eta, bracket));
      }
      layout = { budgets, totalBudget: budgets.reduce((a, b) => a + b, 0), ladders, bracketByStudy: new Map() };
    }
    this.#layouts.set(maxResource, layout);
    return layout;
  }

  #bracketOf(layout: BracketLayout, studyName: string, trialNumber: number): number {
    let byNumber = layout.bracketByStudy.get(studyName);
    if (!byNumber) layout.bracketByStudy.set(studyName, (byNumber = new Map()));
    const known = byNumber.get(trialNumber);
    if (known !== undefined) return known;
    let n = crc32(`${studyName}_${trialNumber}`) % layout.totalBudget;
    let bracket = 0;
    for (; bracket < layout.budgets.length - 1; bracket++) {
      n -= layout.budgets[bracket];
      if (n < 0) break;
    }
    byNumber.set(trialNumber, bracket);
    return bracket;
  }
}

const always = (): boolean => true;
