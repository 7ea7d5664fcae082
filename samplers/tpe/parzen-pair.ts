import type { Distribution, ParamValue } from "../../src/vocabulary/distribution.ts";
import { toExternal } from "../../src/distributions/distribution-ops.ts";
import type { UniformSource } from "../../src/vocabulary/uniform-source.ts";
import { kernelSpaceOf, type KernelSpace } from "./parzen/kernels/kernel-space.ts";
import { dominanceWeights } from "./split/multi-objective-split.ts";
import { ParzenEstimator, type ParzenSettings } from "./parzen/parzen-estimator.ts";
import type { HistorySnapshot } from "./history/observation-history.ts";
import { SLOT, scratchF64 } from "./parzen/log-density/scratch-buffers.ts";

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
  const columns = distributions.map((d, i) => {
    const col = scratchF64(SLOT.columns + i, size);
    snap.valuesOf(names[i], d, col);
    return col;
  });
  // Usable positions: every parameter present (columns hold NaN where one is missing).
  const usable = new Uint8Array(size).fill(1);
  for (const col of columns) for (let p = 0; p < size; p++) if (col[p] !== col[p]) usable[p] = 0;
  let nBelow = 0;
  let nAbove = 0;
  for (let p = 0; p < size; p++) {
    if (usable[p]) {
      if (below[p]) nBelow++;
      else nAbove++;
    }
  }
  const belowPositions = new Int32Array(nBelow);
  const abovePositions = new Int32Array(nAbove);
  let ib = 0;
  let ia = 0;
  for (let p = 0; p < size; p++) {
    if (!usable[p]) continue;
    if (below[p]) belowPositions[ib++] = p;
    else abovePositions[ia++] = p;
  }
  const gather = (positions: Int32Array) =>
    columns.map((col, d) => {
      const out = new Float64Array(positions.length);
      if (spaces[d].log) for (let r = 0; r < positions.length; r++) out[r] = Math.log(col[positions[r]]);
      else for (let r = 0; r < positions.length; r++) out[r] = col[positions[r]];
      return out;
    });
  const belowObs = gather(belowPositions);
  const aboveObs = gather(abovePositions);
  const belowWeights = snap.nObjectives > 1 ? dominanceWeightsOf(snap, below, usable) : undefined;
  return {
    names,
    distributions,
    spaces,
    below: new ParzenEstimator(belowObs, spaces, settings, belowWeights),
    above: new ParzenEstimator(aboveObs, spaces, settings),
    belowPositions,
    abovePositions,
  };
}

/**
 * Draws `nCandidates` points from l and returns the one with the largest log l - log g
 * (the first on ties), as external values by name.
 */
export function proposeFromPair(pair: ParzenPair, rng: UniformSource, nCandidates: number): Record<string, ParamValue> {
  const candidates = pair.spaces.map(() => new Float64Array(nCandidates));
  pair.below.sample(rng, nCandidates, candidates);
  const logL = new Float64Array(nCandidates);
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
