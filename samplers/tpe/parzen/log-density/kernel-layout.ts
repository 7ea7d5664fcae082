/**
 * The order a joint density's fused pass visits its kernels in: nearest the candidates
 * first, so that a log-sum-exp over the first kernels is already close to the whole (the
 * bounds of JointLogDensity.bestRatio rest on that).
 */
import { toKernel, type KernelSpace } from "../kernels/kernel-space.ts";
import type { CategoricalKernels, NumericKernels } from "../kernels/mixture.ts";
import { proposalF64, proposalI32 } from "../proposal-arena.ts";

/** Points a density is about to be evaluated at: `points[d][j]`, j < size (internal values). */
export interface NearPoints {
  readonly points: readonly Float64Array[];
  readonly size: number;
}

/** How many distance shells the kernels are sorted into (squared distance in widths, 1 apart). */
const SHELLS = 64;

/**
 * The kernels in order of their squared distance (in kernel widths, over the numeric
 * dimensions) from the centroid of the points, sorted into unit shells: a counting sort,
 * O(m), and all the order the bounds need. Without points, the kernels' own order.
 */
export function kernelOrder(
  near: NearPoints | undefined,
  spaces: readonly KernelSpace[],
  kernels: readonly (NumericKernels | CategoricalKernels)[],
  m: number,
): Int32Array {
  const order = proposalI32(m);
  if (near === undefined || near.size === 0) {
    for (let i = 0; i < m; i++) order[i] = i;
    return order;
  }
  const distance = proposalF64(m);
  for (let d = 0; d < spaces.length; d++) {
    const space = spaces[d];
    if (space.kind === "categorical") continue;
    const xs = near.points[d];
    let centre = 0;
    for (let j = 0; j < near.size; j++) centre += toKernel(space, xs[j]);
    const { mus, sigmas } = kernels[d] as NumericKernels;
    addSquaredDistances(distance, mus, sigmas, centre / near.size);
  }
  sortIntoShells(distance, order);
  return order;
}

// Each loop is a function of its own, so that V8 optimises it whole (see joint-log-density.ts).

/** distance[i] += ((mus[i] - centre) / sigmas[i])². */
function addSquaredDistances(distance: Float64Array, mus: Float64Array, sigmas: Float64Array, centre: number): void {
  for (let i = 0; i < distance.length; i++) {
    const t = (mus[i] - centre) / sigmas[i];
    distance[i] += t * t;
  }
}

/** Writes the kernel indices into `order` by unit shell of distance, nearest shell first (a counting sort). */
function sortIntoShells(distance: Float64Array, order: Int32Array): void {
  const m = distance.length;
  const start = new Int32Array(SHELLS + 1);
  const shell = proposalI32(m);
  for (let i = 0; i < m; i++) {
    // NaN (a centre off the domain) goes to the last shell.
    const s = distance[i] < SHELLS - 1 ? Math.floor(distance[i]) : SHELLS - 1;
    shell[i] = s;
    start[s + 1]++;
  }
  for (let s = 0; s < SHELLS; s++) start[s + 1] += start[s];
  for (let i = 0; i < m; i++) order[start[shell[i]]++] = i;
}
