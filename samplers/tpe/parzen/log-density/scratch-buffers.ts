/**
 * Grow-only scratch arrays shared by the sampler's synchronous inner loops (per-candidate
 * terms of a 10,000-kernel mixture, per-trial columns). Reusing them instead of allocating
 * per call keeps the garbage collector out of the hot path. A slot's contents are only
 * valid until the next call that uses the same slot; callers never hold one across calls.
 */
const f64: Float64Array[] = [];

/** A Float64Array of length n backed by scratch slot `slot`. */
export function scratchF64(slot: number, n: number): Float64Array {
  let buffer = f64[slot];
  if (buffer === undefined || buffer.length < n) {
    buffer = new Float64Array(Math.max(n, 2 * (buffer?.length ?? 0), 256));
    f64[slot] = buffer;
  }
  return buffer.length === n ? buffer : buffer.subarray(0, n);
}

/** Scratch slots, so that callers that may run in one evaluation never share a slot. */
export const SLOT = {
  /** Per-kernel partial terms of one candidate (log-density evaluation). */
  terms: 0,
  /** Kept (non-negligible) terms of one candidate. */
  kept: 1,
  /** First of the per-dimension observation columns of fitParzenPair. */
  columns: 2,
} as const;
