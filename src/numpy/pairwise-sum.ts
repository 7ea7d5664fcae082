/**
 * np.sum of a float64 array: NumPy's pairwise summation (blocks of up to 128 added with
 * eight accumulators, longer runs halved at a multiple of 8), so sums whose rounding decides
 * a tie (Optuna's weight normalisation, a corpus mean) come out to the same last bit.
 */

/** values[from..to) summed as np.sum sums them. */
export function numpySum(values: ArrayLike<number>, from = 0, to = values.length): number {
  // The reduction starts from the identity +0 and adds the pairwise sum to it, so a sum of
  // −0s is +0, as in NumPy.
  return 0 + pairwiseSum(values, from, to - from);
}

/** NumPy's DOUBLE_pairwise_sum over values[from..from + n). */
function pairwiseSum(values: ArrayLike<number>, from: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = from; i < from + n; i++) res += values[i];
    return res;
  }
  if (n <= 128) {
    const r = [values[from], values[from + 1], values[from + 2], values[from + 3], values[from + 4], values[from + 5], values[from + 6], values[from + 7]];
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += values[from + i + j];
    let res = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < n; i++) res += values[from + i];
    return res;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return pairwiseSum(values, from, half) + pairwiseSum(values, from + half, n - half);
}
