import { numpyLog } from "../../../../src/numpy/index.ts";
import { isChoice } from "../kernels/kernel-space.ts";
import type { CategoricalKernels, LogDensity, Mixture } from "../kernels/mixture.ts";

/**
 * The log-density of a mixture over one categorical parameter: the mixture is itself a
 * categorical, Σ_i w_i p_i(c) per choice, summed once per estimator.
 *
 * The sums are added in component order, as Optuna's matrix-vector product adds them, and
 * logged as NumPy logs them: choices with equal counts then get Optuna's scores to the last
 * bit, and which of two nearly tied choices wins decides the proposal.
 */
export function categoricalLogDensity(mixture: Mixture): LogDensity {
  const kern = mixture.kernels[0] as CategoricalKernels;
  const k = mixture.spaces[0].nChoices;
  const mix = new Float64Array(k);
  for (let i = 0; i < mixture.nComponents; i++) {
    const row = kern.rowOfChoice[kern.choiceOf[i] + 1];
    const w = mixture.weights[i];
    for (let c = 0; c < k; c++) mix[c] += row[c] * w;
  }
  const logMix = Float64Array.from(mix, numpyLog);
  return (points, size, out) => {
    const xs = points[0];
    for (let j = 0; j < size; j++) out[j] = isChoice(xs[j], k) ? logMix[xs[j]] : -Infinity;
  };
}
