/**
 * NumPy's float64 sum (pairwise, eight accumulators per block of up to 128), so sums whose
 * order decides ties come out to the same last bit as in Optuna.
 */

/** sum(values[from..to)) as numpy.sum adds them. */
export function numpySum(values: ArrayLike<number>, from = 0, to = values.length): number {
  const n = to - from;
  if (n < 8) {
    let res = 0;
    for (let i = from; i < to; i++) res += values[i];
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
  return numpySum(values, from, from + half) + numpySum(values, from + half, to);
}
