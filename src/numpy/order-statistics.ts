/**
 * NumPy's order statistics as the pruners use them (np.nanmin, np.nanmax, np.percentile,
 * np.searchsorted), so hpo's pruners compare against the same floating-point numbers
 * Optuna's do (ties decide prunes, so "close" is not enough).
 */

/** np.nanmin: the least non-NaN value, or NaN when every value is NaN (or there are none). */
export function nanMin(values: Iterable<number>): number {
  let best = NaN;
  for (const v of values) if (!Number.isNaN(v) && !(v >= best)) best = v;
  return best;
}

/** np.nanmax: the greatest non-NaN value, or NaN when every value is NaN (or there are none). */
export function nanMax(values: Iterable<number>): number {
  let best = NaN;
  for (const v of values) if (!Number.isNaN(v) && !(v <= best)) best = v;
  return best;
}

/**
 * np.percentile(sorted, q, method="linear") over values already sorted ascending with NaNs
 * removed; NaN when there are none. Mirrors NumPy 1.24's index and lerp arithmetic exactly,
 * including its `b - (b - a) * (1 - t)` form for t >= 0.5 and the NaN it yields next to ±inf.
 */
export function percentileOfSorted(sorted: ArrayLike<number>, percentile: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const virtualIndex = (n - 1) * (percentile / 100);
  let prev: number;
  let next: number;
  let gamma: number;
  if (virtualIndex >= n - 1) {
    // NumPy points both neighbours at the last element and keeps gamma = index - (-1).
    prev = n - 1;
    next = n - 1;
    gamma = virtualIndex + 1;
  } else {
    prev = Math.floor(virtualIndex);
    next = prev + 1;
    gamma = virtualIndex - prev;
  }
  const a = sorted[prev];
  const b = sorted[next];
  const diff = b - a;
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

/** np.searchsorted(sorted, v, side="right"): the index at which `v` keeps `sorted` ascending, after equal values. */
export function upperBound(sorted: readonly number[], v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
