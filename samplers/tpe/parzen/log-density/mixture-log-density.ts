/**
 * The fast log-density of a fitted Parzen mixture: g(x) has one kernel per past trial
 * (10,000 at the top of the speed benchmark) and is evaluated for every candidate, so each
 * estimator compiles its log-density once into the cheapest exact form for its shape, one
 * evaluator per file:
 *
 * - one categorical parameter: categorical-log-density.ts;
 * - one continuous parameter: continuous-log-density.ts;
 * - one int/step parameter: discrete-log-density.ts;
 * - several parameters (multivariate TPE): joint-log-density.ts, which also finds the
 *   candidate with the best ratio l(x)/g(x) without scoring every one against every kernel.
 *
 * Each computes the sum that reference-log-density.ts writes out plainly (Optuna's log_pdf),
 * up to rounding and terms below e^-37 of the largest; tests/samplers/parzen-log-density.test.ts
 * holds them to it.
 */
import type { LogDensity, Mixture, MixtureDensity } from "../kernels/mixture.ts";
import { bestRatioByEvaluation } from "./best-ratio.ts";
import { categoricalLogDensity } from "./categorical-log-density.ts";
import { continuousLogDensity } from "./continuous-log-density.ts";
import { discreteLogDensity } from "./discrete-log-density.ts";
import { JointLogDensity } from "./joint-log-density.ts";
import type { NearPoints } from "./kernel-layout.ts";

/**
 * The log-density for a mixture's shape. The joint form also searches for the best ratio
 * without scoring every candidate against every kernel; the others score them all.
 * @param exact include the -log σ term of continuous kernels (false = Optuna 3.1.0).
 * @param near where the density will be evaluated, if known (the joint form lays its kernels out nearest first).
 */
export function mixtureLogDensity(mixture: Mixture, exact: boolean, near?: NearPoints): MixtureDensity {
  const { spaces } = mixture;
  if (spaces.length > 1) return new JointLogDensity(mixture, exact, near);
  return byEvaluation(
    spaces[0].kind === "categorical"
      ? categoricalLogDensity(mixture)
      : spaces[0].kind === "continuous"
        ? continuousLogDensity(mixture, exact)
        : discreteLogDensity(mixture),
  );
}

function byEvaluation(evaluate: LogDensity): MixtureDensity {
  return { evaluate, bestRatio: (points, size, logNumerator) => bestRatioByEvaluation(evaluate, points, size, logNumerator) };
}
