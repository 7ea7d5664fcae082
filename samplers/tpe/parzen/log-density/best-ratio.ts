/**
 * Choosing the proposal: the candidate with the largest log l(x) - log g(x). Optuna takes
 * np.argmax of the scores, so the first of equal scores wins and NaN scores never do.
 */
import type { LogDensity } from "../kernels/mixture.ts";

/** The first j < size with the largest scores[j] (NaN never wins; 0 when none exceeds -∞). */
export function firstArgmax(scores: Float64Array, size: number): number {
  let best = 0;
  let bestScore = -Infinity;
  for (let j = 0; j < size; j++) {
    if (scores[j] > bestScore) {
      bestScore = scores[j];
      best = j;
    }
  }
  return best;
}

/**
 * The best ratio found by evaluating the density at every candidate: the plain way, and the
 * answer a faster search must give.
 */
export function bestRatioByEvaluation(evaluate: LogDensity, points: readonly Float64Array[], size: number, logNumerator: Float64Array): number {
  const scores = new Float64Array(size);
  evaluate(points, size, scores);
  for (let j = 0; j < size; j++) scores[j] = logNumerator[j] - scores[j];
  return firstArgmax(scores, size);
}
