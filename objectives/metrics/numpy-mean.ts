/**
 * `np.mean` of a float64 list, summed the way numpy sums (pairwise summation with an
 * 8-way unrolled base case of up to 128 elements), so corpus means agree to the last bit
 * rather than to ~1e-16.
 */

function pairwiseSum(a: ArrayLike<number>, start: number, n: number): number {
  if (n < 8) {
    // numpy's res = 0.; res += a[i]  (-0.0 + 0.0 is +0.0 either way)
    let res = -0;
    for (let i = 0; i < n; i++) res += a[start + i];
    return res;
  }
  if (n <= 128) {
    const r = [
      a[start],
      a[start + 1],
      a[start + 2],
      a[start + 3],
      a[start + 4],
      a[start + 5],
      a[start + 6],
      a[start + 7],
    ];
    let i: number;
    for (i = 8; i < n - (n % 8); i += 8) {
      r[0] += a[start + i];
      r[1] += a[start + i + 1];
      r[2] += a[start + i + 2];
      r[3] += a[start + i + 3];
      r[4] += a[start + i + 4];
      r[5] += a[start + i + 5];
      r[6] += a[start + i + 6];
      r[7] += a[start + i + 7];
    }
    let res = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}

/** numpy's float64 sum of `values`. */
export function numpySum(values: ArrayLike<number>): number {
  return pairwiseSum(values, 0, values.length);
}

/** `np.mean(values)`; 0 for an empty list (numpy would give nan with a warning). */
export function numpyMean(values: ArrayLike<number>): number {
  if (values.length === 0) return 0;
  return numpySum(values) / values.length;
}
