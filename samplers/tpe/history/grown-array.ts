/** A copy of `a` with room for `capacity` entries (the history's per-row arrays grow by doubling). */
export function grownFloat64(a: Float64Array, capacity: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(capacity);
  b.set(a);
  return b;
}
