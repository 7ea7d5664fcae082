import type { KernelSpace } from "./kernel-space.ts";
import type { CategoricalKernels, NumericKernels } from "./parzen-estimator.ts";
import { normLogPdf } from "./normal-functions.ts";
import { logGaussMass } from "./truncated-normal.ts";

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
/** Terms this far below the largest add less than 2e-22 each to the sum: skip them. */
const NEGLIGIBLE = -50;

/** What the log-density needs from a fitted mixture. */
export interface Mixture {
  readonly nComponents: number;
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
 * e^-50 of the largest.
 */
export class MixtureLogDensity {
  readonly #evaluate: (points: readonly Float64Array[], size: number, out: Float64Array) => void;

  /** @param exactKernels include the -log σ term of continuous kernels (false = Optuna 3.1.0). */
  constructor(mixture: Mixture, exactKernels: boolean) {
    const { spaces } = mixture;
    if (spaces.length === 1 && spaces[0].kind === "categorical") this.#evaluate = categorical1(mixture);
    else if (spaces.length === 1 && spaces[0].kind === "continuous") this.#evaluate = continuous1(mixture, exactKernels);
    else if (spaces.length === 1) this.#evaluate = discrete1(mixture);
    else this.#evaluate = joint(mixture, exactKernels);
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
  const mix = new Float64Array(k);
  let everywhere = 0;
  for (let i = 0; i < mixture.nComponents; i++) {
    const c = kern.choiceOf[i];
    const w = mixture.weights[i];
    if (c < 0) everywhere += w * kern.pPrior;
    else {
      everywhere += w * kern.pMiss;
      mix[c] += w * (kern.pHit - kern.pMiss);
    }
  }
  const logMix = Float64Array.from(mix, (v) => Math.log(v + everywhere));
  return (points: readonly Float64Array[], size: number, out: Float64Array): void => {
    const xs = points[0];
    for (let j = 0; j < size; j++) out[j] = isChoice(xs[j], k) ? logMix[xs[j]] : -Infinity;
  };
}

function continuous1(mixture: Mixture, exact: boolean) {
  const space = mixture.spaces[0];
  const { mus, sigmas } = mixture.kernels[0] as NumericKernels;
  const m = mixture.nComponents;
  // log w - log Z - log √(2π) (- log σ) and 1/σ per kernel.
  const base = new Float64Array(m);
  const inv = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const s = sigmas[i];
    const logMass = logGaussMass((space.low - mus[i]) / s, (space.high - mus[i]) / s);
    base[i] = Math.log(mixture.weights[i]) - logMass - LOG_SQRT_2PI - (exact ? Math.log(s) : 0);
    inv[i] = 1 / s;
  }
  const terms = new Float64Array(m);
  return (points: readonly Float64Array[], size: number, out: Float64Array): void => {
    const xs = points[0];
    for (let j = 0; j < size; j++) {
      const x = kernelCoordinate(space, xs[j]);
      if (!(x >= space.low && x <= space.high)) {
        out[j] = -Infinity;
        continue;
      }
      let max = -Infinity;
      for (let i = 0; i < m; i++) {
        const t = (x - mus[i]) * inv[i];
        const v = base[i] - 0.5 * t * t;
        terms[i] = v;
        if (v > max) max = v;
      }
      out[j] = logSumExp(terms, m, max);
    }
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
        // largest density there. Kernels whose upper bound is e^50 below the best lower
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

/** Per discrete dimension: interval masses by grid offset when kernels share a width. */
interface DiscreteTable {
  readonly dim: number;
  /** Grid index of each kernel centre (-1: off the grid or another width: compute directly). */
  readonly gridIndex: Int32Array;
  readonly sigma: number;
  readonly gridLow: number;
  readonly points: number;
  /** log mass by offset + points - 1 (NaN: not computed yet). */
  readonly table: Float64Array;
}

function joint(mixture: Mixture, exact: boolean) {
  const m = mixture.nComponents;
  const dims = mixture.spaces.length;
  const base = new Float64Array(m);
  for (let i = 0; i < m; i++) base[i] = Math.log(mixture.weights[i]);
  const invSigma: (Float64Array | null)[] = [];
  const hitBonus: number[] = [];
  const tables: (DiscreteTable | null)[] = [];
  for (let d = 0; d < dims; d++) {
    const space = mixture.spaces[d];
    invSigma.push(null);
    hitBonus.push(0);
    tables.push(null);
    if (space.kind === "categorical") {
      // Fold the "miss" probability into the base; a matching choice adds log(hit/miss).
      const kern = mixture.kernels[d] as CategoricalKernels;
      const logMiss = Math.log(kern.pMiss);
      const logPrior = Math.log(kern.pPrior);
      for (let i = 0; i < m; i++) base[i] += kern.choiceOf[i] < 0 ? logPrior : logMiss;
      hitBonus[d] = Math.log(kern.pHit) - logMiss;
      continue;
    }
    const { mus, sigmas } = mixture.kernels[d] as NumericKernels;
    if (space.kind === "continuous") {
      const inv = new Float64Array(m);
      for (let i = 0; i < m; i++) {
        const s = sigmas[i];
        base[i] -= logGaussMass((space.low - mus[i]) / s, (space.high - mus[i]) / s) + LOG_SQRT_2PI + (exact ? Math.log(s) : 0);
        inv[i] = 1 / s;
      }
      invSigma[d] = inv;
      continue;
    }
    tables[d] = discreteTable(d, space, mus, sigmas, base);
  }
  const acc = new Float64Array(m);
  return (points: readonly Float64Array[], size: number, out: Float64Array): void => {
    for (let j = 0; j < size; j++) {
      acc.set(base);
      let inside = true;
      for (let d = 0; d < dims && inside; d++) {
        const space = mixture.spaces[d];
        const xi = points[d][j];
        if (space.kind === "categorical") {
          if (!isChoice(xi, space.nChoices)) {
            inside = false;
            break;
          }
          const choiceOf = (mixture.kernels[d] as CategoricalKernels).choiceOf;
          const bonus = hitBonus[d];
          for (let i = 0; i < m; i++) if (choiceOf[i] === xi) acc[i] += bonus;
          continue;
        }
        const x = kernelCoordinate(space, xi);
        if (!(x >= space.low && x <= space.high)) {
          inside = false;
          break;
        }
        const { mus, sigmas } = mixture.kernels[d] as NumericKernels;
        const inv = invSigma[d];
        if (inv !== null) {
          for (let i = 0; i < m; i++) {
            const t = (x - mus[i]) * inv[i];
            acc[i] -= 0.5 * t * t;
          }
          continue;
        }
        addDiscrete(tables[d] as DiscreteTable, space, x, mus, sigmas, acc, m);
      }
      if (!inside) {
        out[j] = -Infinity;
        continue;
      }
      let max = -Infinity;
      for (let i = 0; i < m; i++) if (acc[i] > max) max = acc[i];
      out[j] = logSumExp(acc, m, max);
    }
  };
}

function discreteTable(dim: number, space: KernelSpace, mus: Float64Array, sigmas: Float64Array, base: Float64Array): DiscreteTable {
  const m = mus.length;
  const q = space.q;
  const gridLow = space.low + 0.5 * q;
  const points = Math.round((space.high - space.low) / q);
  // The shared width is that of the observation kernels (the prior, if any, differs).
  const sigma = sigmas[0];
  const usable = points <= 1 << 20;
  const gridIndex = new Int32Array(m).fill(-1);
  const normalizer = new Map<number, number>();
  for (let i = 0; i < m; i++) {
    const s = sigmas[i];
    const k = Math.round((mus[i] - gridLow) / q);
    const onGrid = usable && s === sigma && Math.abs(mus[i] - (gridLow + k * q)) <= 1e-9 * q && k >= 0 && k < points;
    let logMass: number | undefined;
    if (onGrid) {
      gridIndex[i] = k;
      logMass = normalizer.get(k);
    }
    if (logMass === undefined) {
      logMass = logGaussMass((space.low - mus[i]) / s, (space.high - mus[i]) / s);
      if (onGrid) normalizer.set(k, logMass);
    }
    base[i] -= logMass;
  }
  return { dim, gridIndex, sigma, gridLow, points, table: new Float64Array(usable ? Math.max(0, 2 * points - 1) : 0).fill(NaN) };
}

function addDiscrete(t: DiscreteTable, space: KernelSpace, x: number, mus: Float64Array, sigmas: Float64Array, acc: Float64Array, m: number): void {
  const q = space.q;
  const lower = Math.max(x - 0.5 * q, space.low);
  const upper = Math.min(x + 0.5 * q, space.high);
  const kx = Math.round((x - t.gridLow) / q);
  const xOnGrid = t.table.length > 0 && Math.abs(x - (t.gridLow + kx * q)) <= 1e-9 * q && kx >= 0 && kx < t.points;
  const offset = t.points - 1;
  for (let i = 0; i < m; i++) {
    const ki = t.gridIndex[i];
    if (xOnGrid && ki >= 0) {
      // Same width, both on the grid: the mass depends only on the grid offset.
      const slot = kx - ki + offset;
      let v = t.table[slot];
      if (v !== v) {
        const s = t.sigma;
        v = logGaussMass((lower - mus[i]) / s, (upper - mus[i]) / s);
        t.table[slot] = v;
      }
      acc[i] += v;
    } else {
      const s = sigmas[i];
      acc[i] += logGaussMass((lower - mus[i]) / s, (upper - mus[i]) / s);
    }
  }
}

/** log Σ exp(v_i), given max = max v_i; terms far below the max are skipped. */
function logSumExp(values: Float64Array, m: number, max: number): number {
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let i = 0; i < m; i++) {
    const d = values[i] - max;
    if (d > NEGLIGIBLE) sum += Math.exp(d);
  }
  return max + Math.log(sum);
}
