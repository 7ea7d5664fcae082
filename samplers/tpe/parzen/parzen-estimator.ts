import type { UniformSource } from "../../../src/vocabulary/uniform-source.ts";
import { fromKernel, type KernelSpace } from "./kernels/kernel-space.ts";
import type { CategoricalKernels, Mixture, MixtureDensity, NumericKernels } from "./kernels/mixture.ts";
import type { NearPoints } from "./log-density/kernel-layout.ts";
import { mixtureLogDensity } from "./log-density/mixture-log-density.ts";
import { logGaussMass, quantileGiven, quantileTail } from "./normal/truncated-normal.ts";
import { numpyArgsort, numpySum } from "../../../src/numpy/index.ts";
import { stableArgsort } from "./stable-argsort.ts";
import { proposalF64, proposalI32 } from "./proposal-arena.ts";
import { defaultWeights, fillDefaultWeights } from "./default-weights.ts";

/** How the estimator is built (Optuna's _ParzenEstimatorParameters plus our kernel switch). */
export interface ParzenSettings {
  readonly considerPrior: boolean;
  readonly priorWeight: number;
  readonly considerMagicClip: boolean;
  readonly considerEndpoints: boolean;
  readonly weights: (n: number) => ArrayLike<number>;
  readonly multivariate: boolean;
  /** Drop the -log σ term of continuous kernels, as Optuna 3.1.0 did. */
  readonly optuna31Kernels: boolean;
  /**
   * Multivariate kernel widths: "range" is Optuna's σ0·range; "spread" scales that down by
   * the observations' standard deviation over a uniform spread's (see spreadFactor).
   */
  readonly multivariateBandwidth: "spread" | "range";
}

const EPS = 1e-12;
const SIGMA0_MAGNITUDE = 0.2;

/**
 * A mixture of product kernels over one or more parameters, fitted to observations (the
 * "good" l(x) or the "bad" g(x) of TPE): one component per observation plus an optional
 * wide prior, weighted by the weights function. Univariate estimators size each kernel by
 * its neighbours' gaps; multivariate ones use Scott's rule (σ0 = 0.2 n^(-1/(d+4))).
 */
export class ParzenEstimator implements Mixture {
  readonly nObservations: number;
  readonly nComponents: number;
  readonly hasPrior: boolean;
  /** Normalised component weights (prior last). */
  readonly weights: Float64Array;
  readonly spaces: readonly KernelSpace[];
  readonly kernels: readonly (NumericKernels | CategoricalKernels)[];
  readonly #settings: ParzenSettings;
  #cumulativeWeights: Float64Array | null = null;
  #density: MixtureDensity | null = null;

  /**
   * @param observations one column per space, kernel-space values (log already applied),
   *   oldest observation first; all columns have the same length.
   * @param predeterminedWeights observation weights to use instead of `settings.weights`.
   * @param observedOrders per space, the observations' indices by ascending value where the
   *   caller knows them (univariate continuous spaces; checked, and sorted here otherwise).
   */
  constructor(
    observations: readonly Float64Array[],
    spaces: readonly KernelSpace[],
    settings: ParzenSettings,
    predeterminedWeights?: ArrayLike<number>,
    observedOrders?: readonly (Int32Array | null)[],
  ) {
    if (observations.length !== spaces.length || spaces.length === 0) {
      throw new Error("ParzenEstimator: one observation column per space is required");
    }
    const n = observations[0].length;
    this.nObservations = n;
    this.hasPrior = settings.considerPrior || n === 0;
    this.nComponents = n + (this.hasPrior ? 1 : 0);
    this.spaces = spaces;
    this.#settings = settings;
    this.weights = this.#computeWeights(predeterminedWeights);
    const sigma0 = settings.multivariate ? SIGMA0_MAGNITUDE * Math.max(n, 1) ** (-1 / (spaces.length + 4)) : 0;
    this.kernels = spaces.map((space, d) =>
      space.kind === "categorical" ? this.#categorical(observations[d], space) : this.#numeric(observations[d], space, sigma0, observedOrders?.[d] ?? null),
    );
  }

  #computeWeights(predetermined: ArrayLike<number> | undefined): Float64Array {
    const n = this.nObservations;
    const { priorWeight } = this.#settings;
    const w = proposalF64(this.nComponents);
    if (predetermined === undefined && this.#settings.weights === defaultWeights) {
      // The default weights, written in place (no array per estimator).
      fillDefaultWeights(w, n);
      if (this.hasPrior) w[n] = priorWeight;
      return normalize(w);
    }
    const source = predetermined ?? this.#settings.weights(n);
    if (source.length < n) throw new Error(`TPESampler: weights(${n}) returned only ${source.length} values`);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const v = Number(source[i]);
      if (!Number.isFinite(v)) throw new Error(`TPESampler: weights(${n}) returned a non-finite value ${v}`);
      if (v < 0) throw new Error(`TPESampler: weights(${n}) returned a negative value ${v}`);
      w[i] = v;
      sum += v;
    }
    if (n > 0 && sum <= 0) throw new Error(`TPESampler: weights(${n}) returned only zeros`);
    if (this.hasPrior) w[n] = priorWeight;
    return normalize(w);
  }

  #categorical(obs: Float64Array, space: KernelSpace): CategoricalKernels {
    const n = this.nObservations;
    const k = space.nChoices;
    const choiceOf = proposalI32(this.nComponents);
    for (let i = 0; i < n; i++) choiceOf[i] = obs[i];
    if (this.hasPrior) choiceOf[n] = -1;
    // Every row starts at priorWeight / (n + 1) (or / n without a prior) and the observed
    // choice gets +1; rows are then normalised.
    const value = this.hasPrior ? this.#settings.priorWeight / (n + 1) : this.#settings.priorWeight / n;
    return { choiceOf, rowOfChoice: categoricalRows(k, value) };
  }

  #numeric(obs: Float64Array, space: KernelSpace, sigma0: number, observedOrder: Int32Array | null): NumericKernels {
    const n = this.nObservations;
    const m = this.nComponents;
    const { low, high } = space;
    const range = high - low;
    const mus = proposalF64(m);
    mus.set(obs);
    if (this.hasPrior) mus[n] = 0.5 * (low + high);
    const sigmas = proposalF64(m);
    let sortedOrder: Int32Array | null = null;
    if (this.#settings.multivariate) {
      const spread = this.#settings.multivariateBandwidth === "spread" ? spreadFactor(obs, range) : 1;
      sigmas.fill(sigma0 * range * spread);
    } else {
      // Each kernel is as wide as the larger gap to its sorted neighbours (the domain
      // bounds act as neighbours of the extremes unless endpoints are ignored).
      const order = kernelOrder(mus, space.kind === "discrete", observedOrder);
      sortedOrder = order;
      for (let r = 0; r < m; r++) {
        const here = mus[order[r]];
        const left = r === 0 ? low : mus[order[r - 1]];
        const right = r === m - 1 ? high : mus[order[r + 1]];
        sigmas[order[r]] = Math.max(here - left, right - here);
      }
      if (!this.#settings.considerEndpoints && m >= 2) {
        sigmas[order[0]] = mus[order[1]] - mus[order[0]];
        sigmas[order[m - 1]] = mus[order[m - 1]] - mus[order[m - 2]];
      }
    }
    const maxSigma = range;
    const minSigma = this.#settings.considerMagicClip ? range / Math.min(100, 1 + m) : EPS;
    for (let i = 0; i < m; i++) sigmas[i] = Math.min(maxSigma, Math.max(minSigma, sigmas[i]));
    if (this.hasPrior) sigmas[n] = range;
    return { mus, sigmas, sortedOrder };
  }

  /** The probability matrix of a categorical dimension (rows: components), for inspection. */
  categoricalWeights(dim: number): number[][] {
    const kern = this.kernels[dim] as CategoricalKernels;
    return Array.from(kern.choiceOf, (c) => Array.from(kern.rowOfChoice[c + 1]));
  }

  /**
   * Draws `size` candidates: a component by weight each, then every dimension from that
   * component's kernel. Writes internal values (grid-snapped, exp'd for log params) into
   * `out[d][j]`; draws in the order all components, then dimension by dimension.
   */
  sample(rng: UniformSource, size: number, out: readonly Float64Array[]): void {
    const active = proposalI32(size);
    const cum = this.#cumulative();
    const last = this.nComponents - 1;
    for (let j = 0; j < size; j++) {
      const u = rng.random();
      let lo = 0;
      let hi = last;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cum[mid] > u) hi = mid;
        else lo = mid + 1;
      }
      active[j] = lo;
    }
    for (let d = 0; d < this.spaces.length; d++) {
      const space = this.spaces[d];
      const target = out[d];
      if (space.kind === "categorical") {
        const kern = this.kernels[d] as CategoricalKernels;
        const k = space.nChoices;
        for (let j = 0; j < size; j++) {
          const u = rng.random();
          const row = kern.rowOfChoice[kern.choiceOf[active[j]] + 1];
          let acc = 0;
          let choice = 0;
          // The number of cumulative probabilities below u is the drawn index.
          for (; choice < k; choice++) {
            acc += row[choice];
            if (!(acc < u)) break;
          }
          target[j] = Math.min(choice, k - 1);
        }
      } else {
        drawNumeric(this.kernels[d] as NumericKernels, space, active, rng, target, proposalF64(this.nComponents).fill(NaN), proposalF64(this.nComponents));
      }
    }
  }

  #cumulative(): Float64Array {
    if (this.#cumulativeWeights) return this.#cumulativeWeights;
    const cum = proposalF64(this.nComponents);
    let acc = 0;
    for (let i = 0; i < cum.length; i++) cum[i] = acc += this.weights[i];
    // Divided by the total as NumPy's choice() does (same buckets as Optuna to the last bit);
    // the last bucket is then exactly 1, above every draw.
    for (let i = 0; i < cum.length; i++) cum[i] /= acc;
    return (this.#cumulativeWeights = cum);
  }

  /** log density of each point (`points[d][j]`, internal values) into `out[j]`, j < size. */
  logPdf(points: readonly Float64Array[], size: number, out: Float64Array): void {
    this.#compiled().evaluate(points, size, out);
  }

  /**
   * The j < size with the largest logNumerator[j] - log density(points[·][j]), the first of
   * equals: TPE's proposal among its candidates, with logNumerator = log l(x) and this
   * estimator g(x).
   */
  bestRatio(points: readonly Float64Array[], size: number, logNumerator: Float64Array): number {
    return this.#compiled({ points, size }).bestRatio(points, size, logNumerator);
  }

  /** The compiled log-density; the first caller's points, if any, decide the kernels' layout. */
  #compiled(near?: NearPoints): MixtureDensity {
    return (this.#density ??= mixtureLogDensity(this, !this.#settings.optuna31Kernels, near));
  }
}

/**
 * Draws target[j] from kernel active[j] of a numeric dimension (truncated to the domain, by
 * its quantile function): as truncatedNormalQuantile, with each kernel's interval terms
 * (its log mass and log tail, cached in logMassOf / tailOf, NaN until first drawn)
 * computed once however many candidates it is drawn for.
 */
function drawNumeric(
  kern: NumericKernels,
  space: KernelSpace,
  active: Int32Array,
  rng: UniformSource,
  target: Float64Array,
  logMassOf: Float64Array,
  tailOf: Float64Array,
): void {
  for (let j = 0; j < active.length; j++) {
    const i = active[j];
    const mu = kern.mus[i];
    const sigma = kern.sigmas[i];
    const a = (space.low - mu) / sigma;
    const b = (space.high - mu) / sigma;
    const u = rng.random();
    let z: number;
    if (u <= 0) z = a;
    else if (u >= 1) z = b;
    else {
      if (logMassOf[i] !== logMassOf[i]) {
        logMassOf[i] = logGaussMass(a, b);
        tailOf[i] = quantileTail(a, b);
      }
      z = quantileGiven(u, a, b, logMassOf[i], tailOf[i]);
    }
    target[j] = fromKernel(space, mu + sigma * z);
  }
}

/**
 * How concentrated observations are, as a factor in (0, 1]: their sample standard deviation
 * over that of a uniform spread across the range (range / √12), capped at 1.
 *
 * Optuna's multivariate widths are Scott's rule, n^(-1/(d+4)) times the data's scale, with
 * the scale fixed at 0.2·range whatever the data; that is right for observations spread
 * over the whole range but several times too wide once the good trials have gathered in a
 * small region, so l(x) keeps proposing far from them. Scaling by this factor makes the
 * rule follow the data as Scott's rule intends, while never going wider than Optuna's
 * (the cap) or narrower than the magic clip. Fewer than two observations: 1.
 */
export function spreadFactor(obs: Float64Array, range: number): number {
  const n = obs.length;
  if (n < 2 || !(range > 0)) return 1;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += obs[i];
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (obs[i] - mean) ** 2;
  const std = Math.sqrt(ss / (n - 1));
  return Math.min(1, std / (range / Math.sqrt(12)));
}

/**
 * Kernel indices by ascending centre. Equal centres take NumPy's argsort order, as in Optuna
 * (it decides which of them gets which width); without ties every sort agrees: the
 * observations' order the history keeps (with the prior merged in), else the radix sort.
 * Grid (int/step) centres tie as soon as there are more observations than grid points, so
 * they go straight to NumPy's sort.
 */
function kernelOrder(mus: Float64Array, onGrid: boolean, observedOrder: Int32Array | null): Int32Array {
  if (onGrid) return numpyArgsort(mus);
  if (observedOrder !== null) {
    const merged = withPrior(observedOrder, mus);
    // Strictly ascending: no ties, and the kept order (by internal value) agrees with these centres.
    if (merged !== null && strictlyAscending(mus, merged)) return merged;
  }
  const order = stableArgsort(mus);
  for (let r = 1; r < order.length; r++) if (mus[order[r]] === mus[order[r - 1]]) return numpyArgsort(mus);
  return order;
}

/** The observations' order with the prior (the last component, if any) merged in after equal centres; null if the sizes disagree. */
function withPrior(observed: Int32Array, mus: Float64Array): Int32Array | null {
  const m = mus.length;
  if (observed.length === m) return observed;
  if (observed.length !== m - 1) return null;
  const prior = mus[m - 1];
  let lo = 0;
  let hi = observed.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (mus[observed[mid]] <= prior) lo = mid + 1;
    else hi = mid;
  }
  const order = proposalI32(m);
  order.set(observed.subarray(0, lo));
  order[lo] = m - 1;
  order.set(observed.subarray(lo), lo + 1);
  return order;
}

function strictlyAscending(mus: Float64Array, order: Int32Array): boolean {
  for (let r = 1; r < order.length; r++) if (!(mus[order[r]] > mus[order[r - 1]])) return false;
  return true;
}

/** Divides by the sum (NumPy's, as Optuna normalises), in place. */
function normalize(w: Float64Array): Float64Array {
  const total = numpySum(w);
  for (let i = 0; i < w.length; i++) w[i] /= total;
  return w;
}

/**
 * The rows of choice probabilities: `fill` everywhere, +1 at the component's own choice,
 * divided by the row's sum; index 0 is the prior's row (no +1), index c + 1 choice c's.
 */
function categoricalRows(k: number, fill: number): Float64Array[] {
  return Array.from({ length: k + 1 }, (_, index) => {
    const row = new Float64Array(k).fill(fill);
    if (index > 0) row[index - 1] = fill + 1;
    const sum = numpySum(row);
    for (let j = 0; j < k; j++) row[j] /= sum;
    return row;
  });
}
