import { toKernel } from "../kernels/kernel-space.ts";
import type { LogDensity, Mixture, NumericKernels } from "../kernels/mixture.ts";
import { LOG_SQRT_2PI } from "../normal/normal-functions.ts";
import { logDomainMass } from "../normal/centred-mass.ts";
import { logSumExp, NEGLIGIBLE } from "./log-sum-exp.ts";
import { SLOT, scratchF64 } from "./scratch-buffers.ts";
import { proposalF64 } from "../proposal-arena.ts";

/**
 * Upper bound of -log(mass of [low, high]) for a kernel centred inside [low, high] with
 * σ <= high - low (always true after the width clip): the mass shrinks as σ grows and as
 * the centre moves to a bound, so it is at least Φ(1) - Φ(0) = 0.3413 (centre on a bound,
 * σ = high - low), and -log(mass) < 1.075.
 */
const MAX_NEG_LOG_MASS = 1.08;

/**
 * The log-density of a mixture over one continuous parameter. Per kernel, log w - log √(2π)
 * (- log σ) and 1/σ are folded once; the truncation normaliser (at most MAX_NEG_LOG_MASS)
 * is computed only for kernels that can matter, and kept for the next candidate. With
 * kernels sorted by centre (univariate TPE), a candidate sweeps outwards from its position
 * (sweepWindow); otherwise one pass bounds every kernel, a second sums those within e^37
 * of the best.
 *
 * @param exact include the -log σ term (false = Optuna 3.1.0).
 */
export function continuousLogDensity(mixture: Mixture, exact: boolean): LogDensity {
  const space = mixture.spaces[0];
  const { mus, sigmas, sortedOrder } = mixture.kernels[0] as NumericKernels;
  const m = mixture.nComponents;
  const { low, high } = space;
  const base = proposalF64(m);
  for (let i = 0; i < m; i++) base[i] = Math.log(mixture.weights[i]) - LOG_SQRT_2PI - (exact ? Math.log(sigmas[i]) : 0);
  const negLogMass = proposalF64(m).fill(NaN);
  const normalizer = (i: number): number => {
    let v = negLogMass[i];
    if (v !== v) v = negLogMass[i] = -logDomainMass((low - mus[i]) / sigmas[i], (high - mus[i]) / sigmas[i]);
    return v;
  };
  const slack = centresInside(mus, low, high) ? MAX_NEG_LOG_MASS : Infinity;
  const prior = mixture.hasPrior ? m - 1 : -1;
  const window = sortedOrder !== null && slack !== Infinity ? sweepWindow(mus, sigmas, base, sortedOrder, prior) : null;
  // Only the pass over every kernel multiplies by 1/σ (the sweep divides, as Optuna does).
  const inv = proposalF64(window === null ? m : 0);
  if (window === null) for (let i = 0; i < m; i++) inv[i] = 1 / sigmas[i];
  return (points, size, out) => {
    const xs = points[0];
    const kept = scratchF64(SLOT.kept, m);
    const partials = scratchF64(SLOT.terms, m);
    for (let j = 0; j < size; j++) {
      const x = toKernel(space, xs[j]);
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

/** Whether every kernel centre lies in [low, high] (then MAX_NEG_LOG_MASS bounds every normaliser). */
function centresInside(mus: Float64Array, low: number, high: number): boolean {
  for (let i = 0; i < mus.length; i++) if (!(mus[i] >= low && mus[i] <= high)) return false;
  return true;
}

/**
 * For one univariate continuous mixture with its kernels sorted by centre: evaluates a
 * candidate by sweeping outwards from its position and stopping on each side once no
 * remaining kernel can come within e^37 of the best one (bounded by the largest weight
 * term and the largest width left on that side). With thousands of narrow kernels only
 * those near the candidate are visited. The same sum as the full scan, without the terms
 * the full scan would also drop.
 */
function sweepWindow(mus: Float64Array, sigmas: Float64Array, base: Float64Array, order: Int32Array, prior: number) {
  // The prior (centre of the range, σ = range) would loosen every bound: it is visited on
  // its own, and the sweep covers the observation kernels.
  const sorted = prior < 0 ? order : order.filter((i) => i !== prior);
  const k = sorted.length;
  const sortedMu = proposalF64(k);
  for (let r = 0; r < k; r++) sortedMu[r] = mus[sorted[r]];
  // Largest base and width among sorted[0..r] (left side) and sorted[r..k) (right side).
  const leftBase = proposalF64(k);
  const leftSigma = proposalF64(k);
  const rightBase = proposalF64(k);
  const rightSigma = proposalF64(k);
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
