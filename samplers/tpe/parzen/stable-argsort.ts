/**
 * Indices that sort `values` ascending, ties kept in index order. An LSD radix sort on the
 * IEEE-754 bits: the univariate Parzen estimator sorts up to n = 10,000 kernels per
 * parameter per trial, where a comparator sort costs milliseconds. (Where centres tie, the
 * estimator re-sorts with numpyArgsort, whose tie order is Optuna's.)
 */
export function stableArgsort(values: Float64Array): Int32Array {
  const n = values.length;
  const order = new Int32Array(n);
  if (n > 400 && LITTLE_ENDIAN) return radixArgsort(values, order);
  for (let i = 0; i < n; i++) order[i] = i;
  if (n >= 2) order.sort((a, b) => values[a] - values[b] || a - b);
  return order;
}

// Scratch buffers of the radix sort, grown on demand and reused (the sampler calls this
// for every numeric parameter of every trial; fresh buffers would churn the GC).
let keyBuffer = new Float64Array(0);
let loBuffer = new Uint32Array(0);
let hiBuffer = new Uint32Array(0);
let swapBuffer = new Int32Array(0);
const counts = new Int32Array(2048);

function radixArgsort(values: Float64Array, order: Int32Array): Int32Array {
  const n = values.length;
  for (let i = 0; i < n; i++) order[i] = i;
  if (keyBuffer.length < n) {
    keyBuffer = new Float64Array(n);
    loBuffer = new Uint32Array(n);
    hiBuffer = new Uint32Array(n);
    swapBuffer = new Int32Array(n);
  }
  // Map each double onto an unsigned 64-bit key (hi, lo) that orders like the number.
  const copy = keyBuffer;
  for (let i = 0; i < n; i++) copy[i] = values[i] === 0 ? 0 : values[i]; // -0 sorts as 0
  const bits = new Uint32Array(copy.buffer, 0, 2 * n);
  const lo = loBuffer;
  const hi = hiBuffer;
  for (let i = 0; i < n; i++) {
    const h = bits[2 * i + 1];
    if (h & 0x80000000) {
      hi[i] = ~h >>> 0;
      lo[i] = ~bits[2 * i] >>> 0;
    } else {
      hi[i] = (h | 0x80000000) >>> 0;
      lo[i] = bits[2 * i];
    }
  }
  let src: Int32Array = order;
  let dst: Int32Array = swapBuffer.subarray(0, n);
  for (const [word, shift, width] of PASSES) {
    const key = word === 0 ? lo : hi;
    const mask = (1 << width) - 1;
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(key[i] >>> shift) & mask]++;
    // A digit every key shares cannot reorder anything.
    if (counts[(key[0] >>> shift) & mask] === n) continue;
    let sum = 0;
    for (let b = 0; b <= mask; b++) {
      const c = counts[b];
      counts[b] = sum;
      sum += c;
    }
    for (let r = 0; r < n; r++) {
      const i = src[r];
      dst[counts[(key[i] >>> shift) & mask]++] = i;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src !== order) order.set(src);
  return order;
}

const PASSES: readonly (readonly [0 | 1, number, number])[] = [
  [0, 0, 11],
  [0, 11, 11],
  [0, 22, 10],
  [1, 0, 11],
  [1, 11, 11],
  [1, 22, 10],
];

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
