/**
 * How many of n finished trials form the "good" set that l(x) is fitted to: Optuna's
 * default gamma, and hyperopt's for users who want it.
 */

/** Optuna's default: the best 10% of finished trials, at most 25. */
export function defaultGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

/** hyperopt's gamma: ceil(sqrt(n) / 4), at most 25. */
export function hyperoptGamma(n: number): number {
  return Math.min(Math.ceil(0.25 * Math.sqrt(n)), 25);
}
