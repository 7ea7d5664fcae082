/**
 * The log-density of a Parzen mixture written as the formula reads (Optuna's
 * _ParzenEstimator.log_pdf): log Σ_i w_i Π_d p_d(x_d | kernel i), where a continuous kernel
 * is a Gaussian truncated to the domain, a discrete (int/step) kernel the Gaussian mass of
 * the candidate's grid cell over the domain's mass, and a categorical kernel a row of
 * choice probabilities. One point, every kernel, no shortcut: what to read first, and what
 * tests/samplers/parzen-log-density.test.ts compares the fast forms (mixture-log-density.ts)
 * with. Points must lie in the domain.
 */
import { toKernel } from "../kernels/kernel-space.ts";
import type { CategoricalKernels, Mixture, NumericKernels } from "../kernels/mixture.ts";
import { LOG_SQRT_2PI } from "../normal/normal-functions.ts";
import { logGaussMass } from "../normal/truncated-normal.ts";

/**
 * log density of the mixture at `point` (one internal value per dimension).
 * @param exact include the -log σ term of continuous kernels (false = Optuna 3.1.0).
 */
export function referenceLogPdf(mixture: Mixture, point: readonly number[], exact: boolean): number {
  const terms: number[] = [];
  for (let i = 0; i < mixture.nComponents; i++) {
    let v = Math.log(mixture.weights[i]);
    mixture.spaces.forEach((space, d) => {
      if (space.kind === "categorical") {
        const { choiceOf, rowOfChoice } = mixture.kernels[d] as CategoricalKernels;
        v += Math.log(rowOfChoice[choiceOf[i] + 1][point[d]]);
        return;
      }
      const { mus, sigmas } = mixture.kernels[d] as NumericKernels;
      const [mu, s, x] = [mus[i], sigmas[i], toKernel(space, point[d])];
      const logDomain = logGaussMass((space.low - mu) / s, (space.high - mu) / s);
      if (space.kind === "continuous") {
        const t = (x - mu) / s;
        v += -0.5 * t * t - LOG_SQRT_2PI - (exact ? Math.log(s) : 0) - logDomain;
      } else {
        const lower = Math.max(x - 0.5 * space.q, space.low);
        const upper = Math.min(x + 0.5 * space.q, space.high);
        v += logGaussMass((lower - mu) / s, (upper - mu) / s) - logDomain;
      }
    });
    terms.push(v);
  }
  const max = Math.max(...terms);
  return max + Math.log(terms.reduce((sum, t) => sum + Math.exp(t - max), 0));
}
