/**
 * The truncated normal pieces of the Parzen estimator, in standardised units: the log of the
 * Gaussian mass of an interval (kernel normalisers and discrete kernels), and the quantile
 * function used to draw candidates. Scalar and allocation-free on purpose.
 */
import { logAddExp, logDiffExp, logNdtr, ndtr, ndtriExp } from "./normal-functions.ts";

/**
 * log(Φ(b) - Φ(a)) for a <= b, computed in the tail where it keeps its precision
 * (both bounds left of 0, both right of 0, or straddling 0).
 */
export function logGaussMass(a: number, b: number): number {
  if (b <= 0) return logDiffExp(logNdtr(b), logNdtr(a));
  if (a > 0) return logDiffExp(logNdtr(-a), logNdtr(-b));
  // Straddling 0 the mass is at least moderate; log1p avoids cancellation near 1. A tail
  // beyond TAIL_CUTOFF holds under 1.2e-19 of the mass, below the rounding of anything this
  // log is added to, and skipping its erfc halves the cost of most kernel normalisers.
  const left = a < -TAIL_CUTOFF ? 0 : ndtr(a);
  const right = b > TAIL_CUTOFF ? 0 : ndtr(-b);
  return Math.log1p(-left - right);
}

/** Φ(-9) = 1.1e-19. */
const TAIL_CUTOFF = 9;

/**
 * The u-quantile of the standard normal truncated to [a, b] (a < b), solved in the tail on
 * the side of the interval that keeps digits; clamped into [a, b].
 */
export function truncatedNormalQuantile(u: number, a: number, b: number): number {
  if (u <= 0) return a;
  if (u >= 1) return b;
  return quantileGiven(u, a, b, logGaussMass(a, b), quantileTail(a, b));
}

/**
 * The part of truncatedNormalQuantile that depends on the interval only: log Φ of the
 * bound it solves from (a below 0, else -b). With logGaussMass(a, b), what a kernel drawn
 * from several times can compute once.
 */
export function quantileTail(a: number, b: number): number {
  return a < 0 ? logNdtr(a) : logNdtr(-b);
}

/**
 * truncatedNormalQuantile(u, a, b) for 0 < u < 1, given logMass = logGaussMass(a, b) and
 * tail = quantileTail(a, b): the same arithmetic, so the same bits.
 */
export function quantileGiven(u: number, a: number, b: number, logMass: number, tail: number): number {
  let x: number;
  if (a < 0) {
    x = ndtriExp(logAddExp(tail, Math.log(u) + logMass));
  } else {
    x = -ndtriExp(logAddExp(tail, Math.log1p(-u) + logMass));
  }
  if (!(x >= a)) return a; // also catches NaN
  return x > b ? b : x;
}
