import type { KernelSpace } from "../kernels/kernel-space.ts";
import { logDomainMass } from "../normal/centred-mass.ts";
import { logGaussMass } from "../normal/truncated-normal.ts";
import { proposalF64, proposalI32 } from "../proposal-arena.ts";

/**
 * One discrete dimension of a joint mixture: log P(candidate's grid cell | kernel i) -
 * log P(domain | kernel i). Kernels that share the observation width and sit on the grid
 * (all of them but the prior, in multivariate TPE) depend only on the grid offset between
 * candidate and centre, so that part is a table; the few others are computed directly
 * by the caller.
 */
export class DiscreteCells {
  readonly space: KernelSpace;
  readonly mus: Float64Array;
  readonly sigmas: Float64Array;
  readonly gridLow: number;
  readonly points: number;
  /** Grid index of each tabulated kernel's centre, -1 for the others. */
  readonly gridIndex: Int32Array;
  /** log cell mass by grid offset + points - 1, for the shared width. */
  readonly table: Float64Array;
  /** -log domain mass per kernel (added to the base once). */
  readonly negLogDomain: Float64Array;

  constructor(space: KernelSpace, mus: Float64Array, sigmas: Float64Array) {
    this.space = space;
    this.mus = mus;
    this.sigmas = sigmas;
    const q = space.q;
    this.gridLow = space.low + 0.5 * q;
    this.points = Math.round((space.high - space.low) / q);
    const m = mus.length;
    const sigma = sigmas[0];
    // A table over every offset costs 2·points - 1 mass evaluations: worth it unless the
    // grid is much larger than the history.
    const tabulate = this.points <= Math.max(4096, 4 * m);
    this.gridIndex = proposalI32(m).fill(-1);
    this.negLogDomain = proposalF64(m);
    const domainByGrid = proposalF64(tabulate ? this.points : 0).fill(NaN);
    for (let i = 0; i < m; i++) {
      const k = this.gridOf(mus[i]);
      const s = sigmas[i];
      if (tabulate && k >= 0 && s === sigma) {
        this.gridIndex[i] = k;
        let v = domainByGrid[k];
        if (v !== v) v = domainByGrid[k] = -logDomainMass((space.low - mus[i]) / s, (space.high - mus[i]) / s);
        this.negLogDomain[i] = v;
      } else {
        this.negLogDomain[i] = -logDomainMass((space.low - mus[i]) / s, (space.high - mus[i]) / s);
      }
    }
    this.table = proposalF64(tabulate ? Math.max(0, 2 * this.points - 1) : 0);
    for (let o = 0; o < this.table.length; o++) {
      // Centre at grid 0, cell at grid o - (points - 1): the mass depends on the offset only.
      const offset = (o - (this.points - 1)) * q;
      this.table[o] = logGaussMass((offset - 0.5 * q) / sigma, (offset + 0.5 * q) / sigma);
    }
  }

  /** Grid index of a kernel-space value, or -1 when it is not on the grid. */
  gridOf(v: number): number {
    const q = this.space.q;
    const k = Math.round((v - this.gridLow) / q);
    return k >= 0 && k < this.points && Math.abs(v - (this.gridLow + k * q)) <= 1e-9 * q ? k : -1;
  }
}
