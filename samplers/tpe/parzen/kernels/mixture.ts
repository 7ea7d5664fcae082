import type { KernelSpace } from "./kernel-space.ts";

/** Kernel parameters of one numeric dimension. */
export interface NumericKernels {
  readonly mus: Float64Array;
  readonly sigmas: Float64Array;
  /** Kernel indices by ascending centre (univariate estimators only). */
  readonly sortedOrder: Int32Array | null;
}

/** Kernel parameters of one categorical dimension: each component's choice (-1: prior). */
export interface CategoricalKernels {
  readonly choiceOf: Int32Array;
  /**
   * Choice probabilities of a component, to the last bit as Optuna computes them (a row's sum
   * depends on where its +1 sits): `rowOfChoice[c + 1]` for a component of choice c, index 0
   * for the prior.
   */
  readonly rowOfChoice: readonly Float64Array[];
}

/**
 * A fitted Parzen mixture as its log-density reads it: `nComponents` product kernels, one
 * per observation plus the prior (last) when `hasPrior`, with normalised `weights`; in
 * dimension d every kernel is `kernels[d]`, over `spaces[d]`.
 */
export interface Mixture {
  readonly nComponents: number;
  readonly hasPrior: boolean;
  readonly weights: Float64Array;
  readonly spaces: readonly KernelSpace[];
  readonly kernels: readonly (NumericKernels | CategoricalKernels)[];
}

/** Writes the log-density of `points[d][j]` (internal values) into `out[j]`, j < size. */
export type LogDensity = (points: readonly Float64Array[], size: number, out: Float64Array) => void;

/**
 * The j < size with the largest `logNumerator[j]` minus the log-density at `points[·][j]`:
 * the first of equal ratios, never a NaN one, 0 when none exceeds -∞ (np.argmax's choice).
 */
export type BestRatio = (points: readonly Float64Array[], size: number, logNumerator: Float64Array) => number;

/** A mixture's log-density compiled for its shape: evaluated at points, or searched for the best ratio. */
export interface MixtureDensity {
  readonly evaluate: LogDensity;
  readonly bestRatio: BestRatio;
}
