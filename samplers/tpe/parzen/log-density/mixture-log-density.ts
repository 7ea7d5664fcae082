/**
 * The fast log-density of a fitted Parzen mixture: g(x) has one kernel per past trial
 * (10,000 at the top of the speed benchmark) and is evaluated for every candidate, so each
 * estimator compiles its log-density once into the cheapest exact form for its shape, one
 * evaluator per file:
 *
 * - one categorical parameter: categorical-log-density.ts;
 * - one continuous parameter: continuous-log-density.ts;
 * - one int/step parameter: discrete-log-density.ts;
 * - several parameters (multivariate TPE): joint-log-density.ts.
 *
 * Each computes the sum that reference-log-density.ts writes out plainly (Optuna's log_pdf),
 * up to rounding and terms below e^-37 of the largest; tests/samplers/parzen-log-density.test.ts
 * holds them to it.
 */
import type { LogDensity, Mixture } from "../kernels/mixture.ts";
import { categoricalLogDensity } from "./categorical-log-density.ts";
import { continuousLogDensity } from "./continuous-log-density.ts";
import { discreteLogDensity } from "./discrete-log-density.ts";
import { jointLogDensity } from "./joint-log-density.ts";

/**
 * The log-density evaluator for a mixture's shape.
 * @param exact include the -log σ term of continuous kernels (false = Optuna 3.1.0).
 */
export function mixtureLogDensity(mixture: Mixture, exact: boolean): LogDensity {
  const { spaces } = mixture;
  if (spaces.length > 1) return jointLogDensity(mixture, exact);
  if (spaces[0].kind === "categorical") return categoricalLogDensity(mixture);
  if (spaces[0].kind === "continuous") return continuousLogDensity(mixture, exact);
  return discreteLogDensity(mixture);
}
