/**
 * MT19937 with NumPy's `RandomState(seed)` seeding and double draws, so a seeded sampler
 * consumes exactly the stream a seeded Optuna sampler consumes: same seed, same proposals
 * (up to the last bits of the floating-point maths in between). NumPy defines the streams
 * of seeds 0..2^32-1 only; how hpo picks a seed when none is given, folds other numbers
 * into that range, and derives the seeds of further streams (randomSeed, deriveSeed) is its
 * own, kept here beside the generator those seeds are for.
 */
import { type UniformSource, unitDouble } from "../vocabulary/uniform-source.ts";

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/** The largest seed NumPy's `RandomState` takes as is. */
const MAX_NUMPY_SEED = 2 ** 32 - 1;

/** MT19937 drawing like `numpy.random.RandomState`. */
export class MersenneTwister implements UniformSource {
  readonly #key = new Uint32Array(N);
  #pos = N;

  /**
   * Seeds as `RandomState(seed)` for integers in 0..2^32-1; other numbers are folded into
   * that range first (they have no NumPy counterpart); without a seed, from Math.random.
   */
  constructor(seed?: number) {
    let s = seed === undefined ? randomSeed() : foldSeed(seed);
    for (let pos = 0; pos < N; pos++) {
      this.#key[pos] = s;
      s = (Math.imul(1812433253, (s ^ (s >>> 30)) >>> 0) + pos + 1) >>> 0;
    }
  }

  /** A uint32 (tempered MT19937 output). */
  nextUint32(): number {
    if (this.#pos >= N) this.#twist();
    let y = this.#key[this.#pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** Uniform in [0, 1) with 53 bits, as `RandomState.random_sample()`. */
  random(): number {
    const first = this.nextUint32();
    return unitDouble(first, this.nextUint32());
  }

  /** Uniform in [low, high), as `RandomState.uniform(low, high)` (low + (high - low) * u). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.random();
  }

  #twist(): void {
    const key = this.#key;
    let i = 0;
    for (; i < N - M; i++) {
      const y = (key[i] & UPPER_MASK) | (key[i + 1] & LOWER_MASK);
      key[i] = key[i + M] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    for (; i < N - 1; i++) {
      const y = (key[i] & UPPER_MASK) | (key[i + 1] & LOWER_MASK);
      key[i] = key[i + M - N] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    const y = (key[N - 1] & UPPER_MASK) | (key[0] & LOWER_MASK);
    key[N - 1] = key[M - 1] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    this.#pos = 0;
  }
}

/** A fresh seed in 0..2^32-1 from Math.random, for samplers given none. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 32);
}

/**
 * A seed for another stream of the same seed: a hash of both into 0..2^32-1, so equal seeds
 * with different salts (worker processes, continued runs) draw unrelated streams.
 */
export function deriveSeed(seed: number, salt: number): number {
  let h = Math.imul(foldSeed(seed) ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ foldSeed(salt) ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x27d4eb2f) >>> 0;
  return (h ^ (h >>> 15)) >>> 0;
}

/** Integers 0..2^32-1 pass unchanged; anything else maps deterministically into that range. */
function foldSeed(seed: number): number {
  if (Number.isInteger(seed) && seed >= 0 && seed <= MAX_NUMPY_SEED) return seed;
  // Mix low and high words (and the sign) so distinct large or negative seeds stay distinct.
  const magnitude = Math.abs(Math.trunc(seed));
  const low = magnitude % 2 ** 32;
  const high = Math.floor(magnitude / 2 ** 32) % 2 ** 32;
  let x = (low ^ Math.imul(high, 0x9e3779b1) ^ (seed < 0 ? 0x85ebca6b : 0)) >>> 0;
  if (!Number.isInteger(seed)) x = (x ^ Math.imul(Math.round((seed % 1) * 2 ** 31), 0xc2b2ae35)) >>> 0;
  return x;
}
