/**
 * The NumPy seam. Everything in src/numpy/ has one contract: **NumPy 1.24 float64 semantics
 * on x86-64** — the same inputs give the same doubles, to the last bit, as NumPy 1.24
 * (Debian bookworm's, on an AVX-512 CPU: the machine Optuna's reference runs come from).
 * Seeded samplers replay Optuna 3.1 exactly because every random draw and every
 * tie-deciding sum, sort and log goes through here (docs/tpe.md, "Same seed, same trials";
 * tests/random/numpy-streams.test.ts pins each piece against fixtures NumPy wrote).
 *
 * It sits on the first floor of src/ (it imports only the vocabulary), so that src/,
 * samplers/ and objectives/ may all use it (docs/layout.md).
 */
export { numpyArgsort } from "./argsort.ts";
export { numpyLog } from "./log.ts";
export { deriveSeed, MersenneTwister, randomSeed } from "./mersenne-twister.ts";
export { nanMax, nanMin, percentileOfSorted, upperBound } from "./order-statistics.ts";
export { numpySum } from "./pairwise-sum.ts";
export { roundHalfEven } from "./round-half-even.ts";
