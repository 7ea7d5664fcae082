/**
 * Exact hypervolume (minimisation) of a small point set against a reference point, by
 * slicing along the last objective. Multi-objective TPE uses it on at most gamma(n) <= 25
 * points, where this simple recursion is fast enough.
 */
export function hypervolume(points: readonly (readonly number[])[], reference: readonly number[]): number {
  const d = reference.length;
  const inside = points.filter((p) => p.every((v, j) => v < reference[j]));
  return hv(inside, reference, d);
}

function hv(points: readonly (readonly number[])[], ref: readonly number[], d: number): number {
  if (points.length === 0) return 0;
  if (d === 1) {
    let min = Infinity;
    for (const p of points) if (p[0] < min) min = p[0];
    return ref[0] - min;
  }
  if (d === 2) {
    const sorted = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let area = 0;
    let ceiling = ref[1];
    for (const p of sorted) {
      if (p[1] < ceiling) {
        area += (ref[0] - p[0]) * (ceiling - p[1]);
        ceiling = p[1];
      }
    }
    return area;
  }
  const last = d - 1;
  const sorted = [...points].sort((a, b) => a[last] - b[last]);
  let volume = 0;
  for (let i = 0; i < sorted.length; i++) {
    const next = i + 1 < sorted.length ? sorted[i + 1][last] : ref[last];
    const depth = next - sorted[i][last];
    if (depth > 0) volume += depth * hv(sorted.slice(0, i + 1), ref, last);
  }
  return volume;
}
