/**
 * Seeded train/validation/test split (0.8/0.1/0.1 by default): a Fisher–Yates shuffle
 * from SeededRandom, then contiguous cuts, so a seed always gives the same split.
 */
import { SeededRandom } from "../../../src/random/seeded-random.ts";
import type { CaptionExample } from "./caption-example.ts";

/** Split fractions; they must sum to 1. */
export interface SplitFractions {
  readonly train: number;
  readonly validation: number;
  readonly test: number;
}

export const DEFAULT_SPLIT: SplitFractions = { train: 0.8, validation: 0.1, test: 0.1 };

/** A seeded permutation of 0..n−1. */
export function seededPermutation(n: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  const rng = new SeededRandom(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** Shuffles with `seed` and cuts into train / validation / test. */
export function splitDataset<T = CaptionExample>(examples: readonly T[], seed: number, fractions: SplitFractions = DEFAULT_SPLIT): { train: T[]; validation: T[]; test: T[] } {
  const total = fractions.train + fractions.validation + fractions.test;
  if (Math.abs(total - 1) > 1e-9 || [fractions.train, fractions.validation, fractions.test].some((f) => f < 0)) {
    throw new Error(`split fractions must be ≥ 0 and sum to 1, got ${fractions.train}/${fractions.validation}/${fractions.test}`);
  }
  const order = seededPermutation(examples.length, seed);
  const nTrain = Math.round(examples.length * fractions.train);
  const nValidation = Math.round(examples.length * fractions.validation);
  const pick = (from: number, to: number) => order.slice(from, to).map((i) => examples[i]);
  return {
    train: pick(0, nTrain),
    validation: pick(nTrain, nTrain + nValidation),
    test: pick(nTrain + nValidation, examples.length),
  };
}
