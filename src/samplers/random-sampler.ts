import type { Distribution, ParamValue } from "../vocabulary/distribution.ts";
import { roundToStep } from "../distributions/create-distribution.ts";
import { deriveSeed, MersenneTwister, randomSeed, roundHalfEven } from "../numpy/index.ts";
import type { UniformSource } from "../vocabulary/uniform-source.ts";
import type { Sampler } from "./sampler.ts";

/** Options of {@link RandomSampler}. */
export interface RandomSamplerOptions {
  /** Same seed, same sequence of params (and the same as Optuna 3.1's RandomSampler with that seed). */
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
  readonly #seed: number;
  #rng: MersenneTwister;

  constructor(options: RandomSamplerOptions = {}) {
    this.#seed = options.seed ?? randomSeed();
    this.#rng = new MersenneTwister(this.#seed);
  }

  /** Another stream of the same seed (see Sampler.reseedRng). */
  reseedRng(salt: number): void {
    this.#rng = new MersenneTwister(deriveSeed(this.#seed, salt));
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

/**
 * One uniform draw from a distribution (external value); shared with TPE's start-up phase.
 * Draws as Optuna's RandomSampler does (its search-space transform), so a seeded stream gives
 * Optuna's values: ranges widened by half a step and snapped back, log ranges drawn in log
 * space, a categorical as the largest of one draw per choice.
 */
export function sampleUniform(d: Distribution, rng: UniformSource): ParamValue {
  if (d.type === "categorical") {
    let best = 0;
    let bestDraw = -1;
    for (let i = 0; i < d.choices.length; i++) {
      const u = rng.random();
      if (u > bestDraw) {
        bestDraw = u;
        best = i;
      }
    }
    return d.choices[best];
  }
  if (d.type === "int") {
    if (d.log) {
      const v = Math.exp(drawBetween(rng, Math.log(d.low - 0.5 * d.step), Math.log(d.high + 0.5 * d.step)));
      return Math.min(d.high, Math.max(d.low, roundHalfEven(v)));
    }
    return snapToStep(drawBetween(rng, d.low - 0.5 * d.step, d.high + 0.5 * d.step), d.low, d.high, d.step);
  }
  if (d.log) {
    const v = Math.exp(drawBetween(rng, Math.log(d.low), Math.log(d.high)));
    return Math.max(d.low, belowHigh(v, d.high));
  }
  if (d.step !== null) {
    const v = snapToStep(drawBetween(rng, d.low - 0.5 * d.step, d.high + 0.5 * d.step), d.low, d.high, d.step);
    return Math.min(d.high, roundToStep(v, d.step));
  }
  return belowHigh(drawBetween(rng, d.low, d.high), d.high);
}

/** low + (high - low) * u, NumPy's uniform(low, high). */
function drawBetween(rng: UniformSource, low: number, high: number): number {
  return low + (high - low) * rng.random();
}

/** Onto the grid low + k * step (ties to even, as NumPy's round), clamped into [low, high]. */
function snapToStep(x: number, low: number, high: number, step: number): number {
  return Math.min(high, Math.max(low, roundHalfEven((x - low) / step) * step + low));
}

/** A continuous draw never equals high (the range is half-open, as Optuna's). */
function belowHigh(x: number, high: number): number {
  return x < high ? x : nextDown(high);
}


/** The largest double below x (x finite). */
function nextDown(x: number): number {
  if (x === 0) return -Number.MIN_VALUE;
  const buf = new Float64Array([x]);
  const bits = new BigInt64Array(buf.buffer);
  bits[0] += x > 0 ? -1n : 1n;
  return buf[0];
}
