import type { Distribution } from "../../../../src/vocabulary/distribution.ts";
import { clampToGrid } from "../../../../src/distributions/distribution-ops.ts";

/**
 * Where one parameter's kernels live: log params in log space, step/int params as
 * discretised kernels on bounds widened by half a step, categoricals as smoothed
 * one-hot weights (Optuna's _calculate_parzen_bounds and transforms).
 */
export interface KernelSpace {
  readonly distribution: Distribution;
  readonly kind: "continuous" | "discrete" | "categorical";
  /** Observations and candidates are log-transformed before the kernels see them. */
  readonly log: boolean;
  /** Kernel bounds in kernel space (unused for categoricals). */
  readonly low: number;
  readonly high: number;
  /** Grid step of a discrete kernel; 0 otherwise. */
  readonly q: number;
  /** Number of choices of a categorical; 0 otherwise. */
  readonly nChoices: number;
}

/** The kernel space of a distribution (which must have more than one value). */
export function kernelSpaceOf(d: Distribution): KernelSpace {
  if (d.type === "categorical") {
    return { distribution: d, kind: "categorical", log: false, low: 0, high: 0, q: 0, nChoices: d.choices.length };
  }
  if (d.type === "float") {
    if (d.log) return { distribution: d, kind: "continuous", log: true, low: Math.log(d.low), high: Math.log(d.high), q: 0, nChoices: 0 };
    if (d.step !== null) {
      const q = d.step;
      return { distribution: d, kind: "discrete", log: false, low: d.low - 0.5 * q, high: d.high + 0.5 * q, q, nChoices: 0 };
    }
    return { distribution: d, kind: "continuous", log: false, low: d.low, high: d.high, q: 0, nChoices: 0 };
  }
  if (d.log) {
    // As Optuna 3.1: a log int is a continuous kernel over [log(low - 1/2), log(high + 1/2)].
    return { distribution: d, kind: "continuous", log: true, low: Math.log(d.low - 0.5), high: Math.log(d.high + 0.5), q: 0, nChoices: 0 };
  }
  const q = d.step;
  return { distribution: d, kind: "discrete", log: false, low: d.low - 0.5 * q, high: d.high + 0.5 * q, q, nChoices: 0 };
}

/** Internal value -> kernel space. */
export function toKernel(space: KernelSpace, internal: number): number {
  return space.log ? Math.log(internal) : internal;
}

/** A point drawn in kernel space -> the internal value it proposes (rounded onto the grid). */
export function fromKernel(space: KernelSpace, x: number): number {
  if (space.kind === "categorical") return x;
  const d = space.distribution;
  const v = space.log ? Math.exp(x) : x;
  // Continuous floats are only clamped (exp(log(high)) may overshoot by an ulp); step and
  // int params snap onto their grid.
  if (d.type === "float" && d.step === null) return Math.min(d.high, Math.max(d.low, v));
  return clampToGrid(d, v);
}

/** Whether x is the internal value (index) of one of a categorical's k choices. */
export function isChoice(x: number, k: number): boolean {
  return x >= 0 && x < k && Number.isInteger(x);
}
