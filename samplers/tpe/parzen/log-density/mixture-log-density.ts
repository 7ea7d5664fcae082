import type { KernelSpace } from "../kernels/kernel-space.ts";
import { numpyLog } from "../../../../src/numpy/log.ts";
import type { CategoricalKernels, NumericKernels } from "../parzen-estimator.ts";
import { normLogPdf } from "../normal/normal-functions.ts";
import { logGaussMass } from "../normal/truncated-normal.ts";
import { SLOT, scratchF64 } from "./scratch-buffers.ts";
import { expNonPositive } from "../normal/exp-nonpositive.ts";
import { jointLogDensity } from "./joint-log-density.ts";

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
/**
 * Terms this far below the largest add less than 1e-16 of it each (below its rounding
 * error): their exp is skipped. Even 10,000 of them move a log-density by under 1e-12.
 */
const NEGLIGIBLE = -37;

/** What the log-density needs from a fitted mixture. */
export interface Mixture {
  readonly nComponents: number;
  /** Whether the last component is the prior kernel. */
  readonly hasPrior: boolean;
  readonly weights: Float64Array;
  readonly spaces: readonly KernelSpace[];
  readonly kernels: readonly (NumericKernels | CategoricalKernels)[];
}

/**
 * The log-density of a Parzen mixture, compiled once per estimator into the cheapest exact
 * form for its shape, because g(x) has one kernel per past trial (10,000 at the top of the
 * speed benchmark) and is evaluated for every candidate:
 *
 * - one categorical: the mixture is itself a categorical, summed once;
 * - one continuous: per-kernel constants folded, one fused pass per candidate;
 * - one discrete (int/step): kernels with equal centre and width merged (their weights
 *   add), and kernels provably negligible for a candidate skipped by a density bound;
 * - several: per-kernel constants folded across dimensions; discrete dimensions with a
 *   shared width read each kernel's interval mass from a table indexed by grid offset.
 *
 * All forms compute the same sum as Optuna's log_pdf, up to rounding and terms below
 * e^-37 of the largest.
 */
export class MixtureLogDensity {
  readonly #evaluate: (points: readonly Float64Array[], size: number, out: Float64Array) => void;

  /** @param exactKernels include the -log σ term of continuous kernels (false = Optuna 3.1.0). */
  constructor(mixture: Mixture, exactKernels: boolean) {
    const { spaces } = mixture;
    if (spaces.length === 1 && spaces[0].kind === "categorical") this.#evaluate = categorical1(mixture);
    else if (spaces.length === 1 && spaces[0].kind === "continuous") this.#evaluate = continuous1(mixture, exactKernels);
    else if (spaces.length === 1) this.#evaluate = discrete1(mixture);
    else this.#evaluate = jointLogDensity(mixture, exactKernels);
  }

  /** log density of `points[d][j]` (internal values) into `out[j]`, j < size. */
  evaluate(points: readonly Float64Array[], size: number, out: Float64Array): void {
    this.#evaluate(points, size, out);
  }
}

function isChoice(x: number, k: number): boolean {
  return x >= 0 && x < k && Number.isInteger(x);
}

function kernelCoordinate(space: KernelSpace, internal: number): number {
  return space.log ? Math.log(internal) : internal;
}

function categorical1(mixture: Mixture) {
  const kern = mixture.kernels[0] as CategoricalKernels;
  const k = mixture.spaces[0].nChoices;
  // Σ_i w_i p_i(c) added in component order, as Optuna's matrix-vector product, and logged
  // as NumPy logs it: choices with equal counts get Optuna's scores to the last bit, and
  // which of two nearly tied choices wins decides the proposal.
  const mix = new Float64Array(k);
  for (let i = 0; i < mixture.nComponents; i++) {
    const row = kern.rowOfChoice[kern.choiceOf[i] + 1];
    const w = mixture.weights[i];
    for (let c = 0; c < k; c++) mix[c] += row[c] * w;
  }
  const logMix = Float64Array.from(mix, numpyLog);
  return (points: readonly Float64Array[], size: number, out: Float64Array): void => {
    const xs = points[0];
    for (let j = 0; j < size; j++) out[j] = isChoice(xs[j], k) ? logMix[xs[j]] : -Infinity;
  };
}

/**
 * Upper bound of -log(mass of [low, high]) for a kernel centred inside [low, high] with
 * σ <= high - low (always true after the width clip): the mass is at least
 * Φ(1/2) - Φ(-1/2) = 0.3829, so -log(mass) < 0.96.
 */
const MAX_NEG_LOG_MASS = 0.97;

/** Whether every kernel centre lies in [low, high] (then MAX_NEG_LOG_MASS bounds every normaliser). */
function centresInside(mus: Float64Array, low: number, high: number): boolean {
  for (let i = 0; i < mus.length; i++) if (!(mus[i] >= low && mus[i] <= high)) return false;
  return true;
}

/** Lazily computed -log(mass in [low, high]) per kernel, shared by all candidates. */
function lazyNormalizers(space: KernelSpace, mus: Float64Array, sigmas: Float64Array) {
  const cache = new Float64Array(mus.length).fill(NaN);
  return (i: number): number => {
    let v = cache[i];
    if (v !== v) {
      const s = sigmas[i];
      v = cache[i] = -logGaussMass((space.low - mus[i]) / s, (space.high - mus[i]) / s);
    }
    return v;
  };
}

function continuous1(mixture: Mixture, exact: boolean) {
  const space = mixture.spaces[0];
  const { mus, sigmas, sortedOrder } = mixture.kernels[0] as NumericKernels;
  const m = mixture.nComponents;
  const { low, high } = space;
  // log w - log √(2π) (- log σ) and 1/σ per kernel; the truncation normaliser (two erfc
  // calls, at most MAX_NEG_LOG_MASS) is added only for kernels that can matter.
  const base = new Float64Array(m);
  const inv = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const s = sigmas[i];
    base[i] = Math.log(mixture.weights[i]) - LOG_SQRT_2PI - (exact ? Math.log(s) : 0);
    inv[i] = 1 / s;
  }
  const negLogMass = new Float64Array(m).fill(NaN);
  const normalizer = (i: number): number => {
    let v = negLogMass[i];
    if (v !== v) v = negLogMass[i] = -logGaussMass((low - mus[i]) / sigmas[i], (high - mus[i]) / sigmas[i]);
    return v;
  };
  const slack = centresInside(mus, low, high) ? MAX_NEG_LOG_MASS : Infinity;
  const prior = mixture.hasPrior ? m - 1 : -1;
  const window = sortedOrder !== null && slack !== Infinity ? sweepWindow(mus, sigmas, base, sortedOrder, m, prior) : null;
  return (points: readonly Float64Array[], size: number, out: Float64Array): void => {
    const xs = points[0];
    const kept = scratchF64(SLOT.kept, m);
    const partials = scratchF64(SLOT.terms, m);
    for (let j = 0; j < size; j++) {
      const x = kernelCoordinate(space, xs[j]);
      if (!(x >= low && x <= high)) {
        out[j] = -Infinity;
        continue;
      }
      if (window !== null) {
        out[j] = window(x, normalizer, slack, kept);
        continue;
      }
      let best = 0;
      let bestPartial = -Infinity;
      for (let i = 0; i < m; i++) {
        const t = (x - mus[i]) * inv[i];
        const v = base[i] - 0.5 * t * t;
        partials[i] = v;
        if (v > bestPartial) {
          bestPartial = v;
          best = i;
        }
      }
      // The final maximum is at least the best kernel's full value; kernels whose upper
      // bound falls e^37 below it cannot change the sum and are dropped.
      const floor = bestPartial + normalizer(best) + NEGLIGIBLE - slack;
      let max = -Infinity;
      let count = 0;
      for (let i = 0; i < m; i++) {
        const partial = partials[i];
        if (partial < floor) continue;
        const v = partial + normalizer(i);
        kept[count++] = v;
        if (v > max) max = v;
      }
      out[j] = logSumExp(kept, count, max);
    }
  };
}

/**
 * For one univariate continuous mixture with its kernels sorted by centre: evaluates a
 * candidate by sweeping outwards from its position and stopping on each side once no
 * remaining kernel can come within e^37 of the best one (bounded by the largest weight
 * term and the largest width left on that side). With thousands of narrow kernels only
 * those near the candidate are visited. The same sum as the full scan, without the terms
 * the full scan would also drop.
 */
function sweepWindow(mus: Float64Array, sigmas: Float64Array, base: Float64Array, order: Int32Array, m: number, prior: number) {
  // The prior (centre of the range, σ = range) would loosen every bound: it is visited on
  // its own, and the sweep covers the observation kernels.
  const sorted = prior < 0 ? order : order.filter((i) => i !== prior);
  const k = sorted.length;
  const sortedMu = new Float64Array(k);
  for (let r = 0; r < k; r++) sortedMu[r] = mus[sorted[r]];
  // Largest base and width among sorted[0..r] (left side) and sorted[r..k) (right side).
  const leftBase = new Float64Array(k);
  const leftSigma = new Float64Array(k);
  const rightBase = new Float64Array(k);
  const rightSigma = new Float64Array(k);
  for (let r = 0; r < k; r++) {
    const i = sorted[r];
    leftBase[r] = r === 0 ? base[i] : Math.max(leftBase[r - 1], base[i]);
    leftSigma[r] = r === 0 ? sigmas[i] : Math.max(leftSigma[r - 1], sigmas[i]);
  }
  for (let r = k - 1; r >= 0; r--) {
    const i = sorted[r];
    rightBase[r] = r === k - 1 ? base[i] : Math.max(rightBase[r + 1], base[i]);
    rightSigma[r] = r === k - 1 ? sigmas[i] : Math.max(rightSigma[r + 1], sigmas[i]);
  }
  return (x: number, normalizer: (i: number) => number, slack: number, kept: Float64Array): number => {
    // First sorted position with centre >= x.
    let lo = 0;
    let hi = k;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sortedMu[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    let left = lo - 1;
    let right = lo;
    let floor = -Infinity;
    let max = -Infinity;
    let count = 0;
    const visit = (i: number): void => {
      const t = (x - mus[i]) / sigmas[i];
      const partial = base[i] - 0.5 * t * t;
      if (partial < floor) return;
      const v = partial + normalizer(i);
      if (v > max) {
        max = v;
        floor = v + NEGLIGIBLE - slack;
      }
      kept[count++] = v;
    };
    if (prior >= 0) visit(prior);
    for (;;) {
      let moved = false;
      if (left >= 0) {
        const d = (x - sortedMu[left]) / leftSigma[left];
        if (leftBase[left] - 0.5 * d * d >= floor) {
          visit(sorted[left--]);
          moved = true;
        } else left = -1;
      }
      if (right < k) {
        const d = (sortedMu[right] - x) / rightSigma[right];
        if (rightBase[right] - 0.5 * d * d >= floor) {
          visit(sorted[right++]);
          moved = true;
        } else right = k;
      }
      if (!moved) break;
    }
    // Kept terms that the rising floor made negligible are skipped by logSumExp anyway.
    return logSumExp(kept, count, max);
  };
}

function discrete1(mixture: Mixture) {
  const space = mixture.spaces[0];
  const { mus, sigmas } = mixture.kernels[0] as NumericKernels;
  const m = mixture.nComponents;
  // Merge kernels with the same centre and width: for int and step params the history
  // holds few distinct values, so g(x) collapses from n kernels to a few dozen.
  const index = new Map<number, Map<number, number>>();
  const gMu: number[] = [];
  const gSigma: number[] = [];
  const gWeight: number[] = [];
  for (let i = 0; i < m; i++) {
    let bySigma = index.get(mus[i]);
    if (bySigma === undefined) index.set(mus[i], (bySigma = new Map()));
    const g = bySigma.get(sigmas[i]);
    if (g === undefined) {
      bySigma.set(sigmas[i], gMu.length);
      gMu.push(mus[i]);
      gSigma.push(sigmas[i]);
      gWeight.push(mixture.weights[i]);
    } else gWeight[g] += mixture.weights[i];
  }
  const groups = gMu.length;
  const base = new Float64Array(groups);
  for (let g = 0; g < groups; g++) {
    const s = gSigma[g];
    base[g] = Math.log(gWeight[g]) - logGaussMass((space.low - gMu[g]) / s, (space.high - gMu[g]) / s);
  }
  const upperBound = new Float64Array(groups);
  const terms = new Float64Array(groups);
  const seen: number[] = [];
  const seenValue: number[] = [];
  return (points: readonly Float64Array[], size: number, out: Float64Array): void => {
    const xs = points[0];
    seen.length = 0;
    seenValue.length = 0;
    for (let j = 0; j < size; j++) {
      const x = xs[j];
      const known = seen.indexOf(x);
      if (known >= 0) {
        out[j] = seenValue[known];
        continue;
      }
      let result: number;
      if (!(x >= space.low && x <= space.high)) result = -Infinity;
      else {
        const lower = Math.max(x - 0.5 * space.q, space.low);
        const upper = Math.min(x + 0.5 * space.q, space.high);
        const width = upper - lower;
        // Bounds on each kernel's mass in [lower, upper]: width times the smallest and the
        // largest density there. Kernels whose upper bound is e^37 below the best lower
        // bound cannot matter; the rest get the exact mass.
        let bestLower = -Infinity;
        for (let g = 0; g < groups; g++) {
          const s = gSigma[g];
          const a = (lower - gMu[g]) / s;
          const b = (upper - gMu[g]) / s;
          const near = a > 0 ? a : b < 0 ? -b : 0;
          const far = Math.max(Math.abs(a), Math.abs(b));
          const logWidth = Math.log(width / s);
          upperBound[g] = base[g] + logWidth + normLogPdf(near);
          const lb = base[g] + logWidth + normLogPdf(far);
          if (lb > bestLower) bestLower = lb;
        }
        let max = -Infinity;
        for (let g = 0; g < groups; g++) {
          if (upperBound[g] < bestLower + NEGLIGIBLE) {
            terms[g] = -Infinity;
            continue;
          }
          const s = gSigma[g];
          const v = base[g] + logGaussMass((lower - gMu[g]) / s, (upper - gMu[g]) / s);
          terms[g] = v;
          if (v > max) max = v;
        }
        result = logSumExp(terms, groups, max);
      }
      seen.push(x);
      seenValue.push(result);
      out[j] = result;
    }
  };
}

/** log Σ exp(v_i), given max = max v_i; terms far below the max are skipped. */
function logSumExp(values: Float64Array, m: number, max: number): number {
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let i = 0; i < m; i++) {
    const d = values[i] - max;
    if (d > NEGLIGIBLE) sum += expNonPositive(d);
  }
  return max + Math.log(sum);
}
