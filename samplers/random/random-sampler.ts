import type { Distribution, ParamValue } from "../../src/distributions/distribution.ts";
import { roundToStep } from "../../src/distributions/create-distribution.ts";
import { SeededRandom } from "../../src/random/seeded-random.ts";
import type { Sampler } from "../../src/samplers/sampler.ts";

/** Options of {@link RandomSampler}. */
export interface RandomSamplerOptions {
  /** Same seed, same sequence of params. */
  seed?: number;
}

/**
 * Samples every parameter independently and uniformly (log-uniformly for log ranges).
 *
 * @example
 * createStudy({ sampler: new RandomSampler({ seed: 42 }) })
 */
export class RandomSampler implements Sampler {
  readonly usesRunningTrials = false;
  readonly #rng: SeededRandom;

  constructor(options: RandomSamplerOptions = {}) {
    this.#rng = new SeededRandom(options.seed);
  }

  /** Random sampling has no joint space. */
  inferRelativeSearchSpace(): Record<string, Distribution> {
    return {};
  }

  /** Nothing to sample jointly. */
  sampleRelative(): Record<string, ParamValue> {
    return {};
  }

  /** One uniform draw from `distribution`. */
  sampleIndependent(_study: unknown, _trial: unknown, _name: string, distribution: Distribution): ParamValue {
    return sampleUniform(distribution, this.#rng);
  }
}

/** One uniform draw from a distribution (external value); shared with TPE's start-up phase. */
export function sampleUniform(d: Distribution, rng: SeededRandom): ParamValue {
  if (d.type === "categorical") return d.choices[rng.int(0, d.choices.length - 1)];
  if (d.type === "int") {
    if (d.log) {
      // Log-uniform over [low - 0.5, high + 0.5], rounded onto the grid, as Optuna.
      const v = Math.exp(rng.uniform(Math.log(d.low - 0.5), Math.log(d.high + 0.5)));
      return Math.min(d.high, Math.max(d.low, Math.round(v)));
    }
    const n = Math.round((d.high - d.low) / d.step);
    return d.low + rng.int(0, n) * d.step;
  }
  if (d.log) {
    const v = Math.exp(rng.uniform(Math.log(d.low), Math.log(d.high)));
    return Math.min(d.high, Math.max(d.low, v));
  }
  if (d.step !== null) {
    const n = Math.round((d.high - d.low) / d.step);
    return Math.min(d.high, roundToStep(d.low + rng.int(0, n) * d.step, d.step));
  }
  return rng.uniform(d.low, d.high);
}
