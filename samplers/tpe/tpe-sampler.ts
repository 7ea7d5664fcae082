import type { Distribution, ParamValue } from "../../src/vocabulary/distribution.ts";
import { isSingleValue, toExternal } from "../../src/distributions/distribution-ops.ts";
import { deriveSeed, MersenneTwister, randomSeed } from "../../src/numpy/index.ts";
import type { Sampler } from "../../src/samplers/sampler.ts";
import type { StudyView } from "../../src/vocabulary/study-view.ts";
import type { FrozenTrial } from "../../src/vocabulary/frozen-trial.ts";
import { sampleUniform } from "../../src/samplers/random-sampler.ts";
import { groupDecomposedSearchSpace } from "./search-space/group-decomposed-search-space.ts";
import type { ParzenSettings } from "./parzen/parzen-estimator.ts";
import { fitParzenPair, proposeFromPair } from "./parzen-pair.ts";
import { intersectionSearchSpace } from "./search-space/intersection-search-space.ts";
import { splitSnapshot } from "./split/split-trials.ts";
import { withProposalArena } from "./parzen/proposal-arena.ts";
import { type HistorySnapshot, ObservationHistory } from "./history/observation-history.ts";
import { parzenSettingsOf, type ResolvedTPEOptions, resolveTPEOptions, type TPESamplerOptions } from "./tpe-options.ts";

/**
 * Tree-structured Parzen Estimator, as Optuna's TPESampler: after `nStartupTrials` random
 * trials, split the finished trials into the best gamma(n) ("below") and the rest
 * ("above"), fit a Parzen estimator to each, draw `nEiCandidates` points from the good one
 * and keep the point with the highest ratio l(x)/g(x). Univariate by default; `multivariate`
 * samples the intersection space jointly, `group` each group of co-occurring parameters
 * jointly, `constantLiar` counts RUNNING trials as the worst.
 *
 * @example
 * createStudy({ sampler: new TPESampler({ seed: 1, multivariate: true }) })
 */
export class TPESampler implements Sampler {
  readonly #options: ResolvedTPEOptions;
  readonly #settings: ParzenSettings;
  /** Draws of the TPE proposals. */
  #rng: MersenneTwister;
  /**
   * Draws of the random start-up phase: a second stream seeded alike, as Optuna's inner
   * RandomSampler, so a seeded hpo TPE makes a seeded Optuna TPE's proposals.
   */
  #startupRng: MersenneTwister;
  readonly #seed: number;
  readonly #history: ObservationHistory;

  constructor(options: TPESamplerOptions = {}) {
    this.#options = resolveTPEOptions(options);
    const o = this.#options;
    this.#settings = parzenSettingsOf(o);
    this.#seed = o.seed ?? randomSeed();
    this.#rng = new MersenneTwister(this.#seed);
    this.#startupRng = new MersenneTwister(this.#seed);
    this.#history = new ObservationHistory(o.constantLiar);
  }

  /** Other streams of the same seed (see Sampler.reseedRng); still one seed for both. */
  reseedRng(salt: number): void {
    const seed = deriveSeed(this.#seed, salt);
    this.#rng = new MersenneTwister(seed);
    this.#startupRng = new MersenneTwister(seed);
  }

  /** The options in effect, defaults filled in. */
  get options(): ResolvedTPEOptions {
    return this.#options;
  }

  /** Other trials matter while RUNNING only to the constant liar. */
  get usesRunningTrials(): boolean {
    return this.#options.constantLiar;
  }

  /** Multivariate: the intersection space (or every group's params); else empty. */
  inferRelativeSearchSpace(study: StudyView, trial: FrozenTrial): Record<string, Distribution> {
    if (!this.#options.multivariate) return {};
    const snap = this.#history.snapshot(study.samplingView?.(trial) ?? study);
    const result: Record<string, Distribution> = {};
    const spaces = this.#options.group ? groupDecomposedSearchSpace(snap, this.#options.replay !== undefined) : [intersectionSearchSpace(snap)];
    for (const space of spaces) for (const [name, d] of Object.entries(space)) if (!isSingleValue(d)) result[name] = d;
    return result;
  }

  /** Joint TPE proposal over `searchSpace` (per group with `group`); empty during start-up. */
  sampleRelative(study: StudyView, trial: FrozenTrial, searchSpace: Record<string, Distribution>): Record<string, ParamValue> {
    const names = Object.keys(searchSpace);
    if (names.length === 0) return {};
    const snap = this.#history.snapshot(study.samplingView?.(trial) ?? study);
    if (snap.nFinished < this.#options.nStartupTrials) return {};
    const result: Record<string, ParamValue> = {};
    if (!this.#options.group) {
      Object.assign(result, this.#propose(snap, searchSpace));
      return result;
    }
    const groups = groupDecomposedSearchSpace(snap, this.#options.replay !== undefined);
    // Several groups: a conditional space, which has its own candidate count (tpe-options.ts says why).
    const nCandidates = groups.length > 1 ? this.#options.conditionalEiCandidates : this.#options.nEiCandidates;
    for (const group of groups) {
      const sub: Record<string, Distribution> = {};
      for (const name of Object.keys(group)) if (name in searchSpace && !isSingleValue(searchSpace[name])) sub[name] = searchSpace[name];
      if (Object.keys(sub).length > 0) Object.assign(result, this.#propose(snap, sub, nCandidates));
    }
    return result;
  }

  /** Univariate TPE proposal for one parameter (random during start-up). */
  sampleIndependent(study: StudyView, trial: FrozenTrial, paramName: string, distribution: Distribution): ParamValue {
    if (isSingleValue(distribution)) return toExternal(distribution, distribution.type === "categorical" ? 0 : distribution.low);
    const snap = this.#history.snapshot(study.samplingView?.(trial) ?? study);
    if (snap.nFinished < this.#options.nStartupTrials) return sampleUniform(distribution, this.#startupRng);
    return this.#propose(snap, { [paramName]: distribution })[paramName];
  }

  /** One TPE step over `space`: split, fit l and g, draw candidates from l, keep the best l/g. */
  #propose(snap: HistorySnapshot, space: Record<string, Distribution>, nCandidates = this.#options.nEiCandidates): Record<string, ParamValue> {
    // The split is memoised on the snapshot, so it is made outside the arena (whose arrays the next proposal overwrites).
    const below = this.#split(snap);
    return withProposalArena(() => proposeFromPair(fitParzenPair(snap, space, below, this.#settings), this.#rng, nCandidates));
  }

  #split(snap: HistorySnapshot): Uint8Array {
    const nBelow = this.#options.gamma(snap.nFinished);
    if (!Number.isInteger(nBelow) || nBelow < 0) {
      throw new Error(`TPESampler: gamma(${snap.nFinished}) must return a non-negative integer, got ${nBelow}`);
    }
    return splitSnapshot(snap, nBelow);
  }
}
