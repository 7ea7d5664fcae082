/**
 * The log-sum-exp that ends every fast log-density, skipping the terms too small to change
 * it: a mixture of 10,000 kernels has at most a few dozen that matter for a candidate.
 */
import { expNonPositive } from "../normal/exp-nonpositive.ts";

/**
 * Terms this far below the largest add less than 1e-16 of it each (below its rounding
 * error): their exp is skipped. Even 10,000 of them move a log-density by under 1e-12.
 */
export const NEGLIGIBLE = -37;

/** log Σ exp(values[i]) over i < m, given max = the largest of them; negligible terms skipped. */
export function logSumExp(values: Float64Array, m: number, max: number): number {
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let i = 0; i < m; i++) {
    const d = values[i] - max;
    if (d > NEGLIGIBLE) sum += expNonPositive(d);
  }
  return max + Math.log(sum);
}

/**
 * Adds exp(v) to the online log-sum-exp state = [max, sum]: sum holds Σ exp(term - max)
 * over the terms within e^37 of the running maximum, rescaled when the maximum rises.
 */
export function addTerm(state: Float64Array, v: number): void {
  const max = state[0];
  if (v > max) {
    const d = max - v;
    state[1] = d > NEGLIGIBLE ? state[1] * expNonPositive(d) + 1 : 1;
    state[0] = v;
  } else if (v - max > NEGLIGIBLE) state[1] += expNonPositive(v - max);
}
