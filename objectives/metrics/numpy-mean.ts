import { numpySum } from "../../src/numpy/index.ts";

/**
 * `np.mean(values)`, summed as NumPy sums (src/numpy/pairwise-sum.ts), so corpus means agree
 * with the Python metrics to the last bit rather than to ~1e-16; 0 for an empty list (NumPy
 * would give nan with a warning).
 */
export function numpyMean(values: ArrayLike<number>): number {
  if (values.length === 0) return 0;
  return numpySum(values) / values.length;
}
