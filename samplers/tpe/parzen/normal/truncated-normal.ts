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
  const logMass = logGaussMass(a, b);
  let x: number;
  if (a < 0) {
    x = ndtriExp(logAddExp(logNdtr(a), Math.log(u) + logMass));
  } else {
    x = -ndtriExp(logAddExp(logNdtr(-b), Math.log1p(-u) + logMass));
  }
  if (!(x >= a)) return a; // also catches NaN
  return x > b ? b : x;
}
