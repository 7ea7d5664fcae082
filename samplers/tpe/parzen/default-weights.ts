/** How much each observation counts in a Parzen estimator: Optuna's default weights. */

/**
 * Flat weights below 25 observations; from 25 on, the 25 newest weigh 1 and the older ones
 * ramp linearly from 1/n up to 1 (oldest lightest), as Optuna's default_weights.
 */
export function defaultWeights(n: number): Float64Array {
  const w = new Float64Array(n);
  fillDefaultWeights(w, n);
  return w;
}

/** Writes defaultWeights(n) into w[0..n). */
export function fillDefaultWeights(w: Float64Array, n: number): void {
  w.fill(1, 0, n);
  if (n < 25) return;
  const rampLength = n - 25;
  const start = 1 / n;
  if (rampLength === 1) {
    w[0] = start;
  } else if (rampLength > 1) {
    fillRamp(w, rampLength, start);
  }
}

/**
 * The same arithmetic as numpy.linspace(start, 1, length): start + i * step, the last
 * exactly 1. (A function of its own: V8 optimises it whole instead of re-entering stale
 * on-stack-replaced code for the loop.)
 */
function fillRamp(w: Float64Array, length: number, start: number): void {
  const step = (1 - start) / (length - 1);
  for (let i = 0; i < length - 1; i++) w[i] = i * step + start;
  w[length - 1] = 1;
}
