import type { Distribution, ParamValue } from "../../src/vocabulary/distribution.ts";
import { toExternal } from "../../src/distributions/distribution-ops.ts";
import type { UniformSource } from "../../src/vocabulary/uniform-source.ts";
import { kernelSpaceOf, type KernelSpace } from "./parzen/kernels/kernel-space.ts";
import { dominanceWeights } from "./split/multi-objective-split.ts";
import { ParzenEstimator, type ParzenSettings } from "./parzen/parzen-estimator.ts";
import type { HistorySnapshot } from "./history/observation-history.ts";
import { SLOT, scratchF64 } from "./parzen/log-density/scratch-buffers.ts";
import { proposalF64, proposalI32, proposalU8 } from "./parzen/proposal-arena.ts";

/** The good (l, below) and bad (g, above) estimators of one TPE step over a space. */
export interface ParzenPair {
  readonly names: readonly string[];
  readonly distributions: readonly Distribution[];
  readonly spaces: readonly KernelSpace[];
  readonly below: ParzenEstimator;
  readonly above: ParzenEstimator;
  /** Positions (in the snapshot) of the observations of l and of g, oldest first. */
  readonly belowPositions: Int32Array;
  readonly abovePositions: Int32Array;
}

/**
 * Fits l and g over `space` from a snapshot and its below/above marks: observations are the
 * trials that have every parameter of the space (in a form the current distribution reads),
 * in trial-number order.
 */
export function fitParzenPair(
  snap: HistorySnapshot,
  space: Record<string, Distribution>,
  below: Uint8Array,
  settings: ParzenSettings,
): ParzenPair {
  const names = Object.keys(space);
  const distributions = names.map((n) => space[n]);
  const spaces = distributions.map(kernelSpaceOf);
  const size = snap.size;
  // In kernel space (log params logged): the observations as the kernels see them.
  const columns = distributions.map((d, i) => {
    const col = scratchF64(SLOT.columns + i, size);
    snap.kernelValuesOf(names[i], d, col);
    return col;
  });
  // Usable positions: every parameter present (columns hold NaN where one is missing).
  const usable = proposalU8(size).fill(1);
  for (const col of columns) markMissing(col, usable);
  const belowPositions = positionsOf(usable, below, 1);
  const abovePositions = positionsOf(usable, below, 0);
  const belowObs = columns.map((col) => gatherColumn(col, belowPositions));
  const aboveObs = columns.map((col) => gatherColumn(col, abovePositions));
  const belowWeights = snap.nObjectives > 1 ? dominanceWeightsOf(snap, below, usable) : undefined;
  // Univariate kernels are sized by their sorted neighbours: the history keeps each
  // continuous column sorted, which spares a sort per estimator.
  const ordersOf = (positions: Int32Array) =>
    spaces.map((sp, i) => {
      if (settings.multivariate || sp.kind !== "continuous") return null;
      const order = proposalI32(positions.length);
      return snap.kernelOrderOf(names[i], distributions[i], positions, order) ? order : null;
    });
  return {
    names,
    distributions,
    spaces,
    below: new ParzenEstimator(belowObs, spaces, settings, belowWeights, ordersOf(belowPositions)),
    above: new ParzenEstimator(aboveObs, spaces, settings, undefined, ordersOf(abovePositions)),
    belowPositions,
    abovePositions,
  };
}

/**
 * Draws `nCandidates` points from l and returns the one with the largest log l - log g
 * (the first on ties), as external values by name.
 */
export function proposeFromPair(pair: ParzenPair, rng: UniformSource, nCandidates: number): Record<string, ParamValue> {
  const candidates = pair.spaces.map(() => proposalF64(nCandidates));
  pair.below.sample(rng, nCandidates, candidates);
  const logL = proposalF64(nCandidates);
  pair.below.logPdf(candidates, nCandidates, logL);
  const best = pair.above.bestRatio(candidates, nCandidates, logL);
  const result: Record<string, ParamValue> = {};
  for (let d = 0; d < pair.names.length; d++) result[pair.names[d]] = toExternal(pair.distributions[d], candidates[d][best]);
  return result;
}

/** MOTPE weights of the below observations: computed over every below trial, then masked. */
function dominanceWeightsOf(snap: HistorySnapshot, below: Uint8Array, usable: Uint8Array): Float64Array {
  const k = snap.nObjectives;
  const scores = snap.scoreVectors();
  const positions: number[] = [];
  for (let p = 0; p < snap.size; p++) if (below[p]) positions.push(p);
  const all = dominanceWeights(positions.map((p) => Array.from(scores.subarray(p * k, p * k + k))));
  return Float64Array.from(positions.flatMap((p, i) => (usable[p] ? [all[i]] : [])));
}

// The loops over the history are functions of their own, so that V8 optimises each whole
// (one long function re-entered stale on-stack-replaced code for its loops on every call).

/** Clears usable[p] where col[p] is NaN (the parameter is missing). */
function markMissing(col: Float64Array, usable: Uint8Array): void {
  for (let p = 0; p < usable.length; p++) if (col[p] !== col[p]) usable[p] = 0;
}

/** The usable positions whose below mark is `mark`, in order. */
function positionsOf(usable: Uint8Array, below: Uint8Array, mark: number): Int32Array {
  let count = 0;
  for (let p = 0; p < usable.length; p++) if (usable[p] && below[p] === mark) count++;
  const out = proposalI32(count);
  let k = 0;
  for (let p = 0; p < usable.length; p++) if (usable[p] && below[p] === mark) out[k++] = p;
  return out;
}

/** The column's values at `positions`. */
function gatherColumn(col: Float64Array, positions: Int32Array): Float64Array {
  const out = proposalF64(positions.length);
  for (let r = 0; r < positions.length; r++) out[r] = col[positions[r]];
  return out;
}
