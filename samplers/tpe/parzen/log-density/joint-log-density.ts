/**
 * The log-density of a joint Parzen mixture (multivariate TPE: one product kernel per
 * observation over several parameters), the estimator g(x) evaluates for every candidate
 * against every past trial: 48 × 10,000 product kernels per proposal at the top of the
 * speed benchmark. The sum is Optuna's; the work is arranged so that each kernel costs one
 * pass of a few loads and one exp, and the search for the best ratio skips the kernels that
 * cannot change which candidate wins (bestRatio).
 */
import { isChoice, toKernel } from "../kernels/kernel-space.ts";
import type { KernelSpace } from "../kernels/kernel-space.ts";
import type { CategoricalKernels, Mixture, MixtureDensity, NumericKernels } from "../kernels/mixture.ts";
import { LOG_SQRT_2PI } from "../normal/normal-functions.ts";
import { expNonPositive } from "../normal/exp-nonpositive.ts";
import { logGaussMass } from "../normal/truncated-normal.ts";
import { firstArgmax } from "./best-ratio.ts";
import { type CodedDimension, fillGroupTable, packGroups } from "./code-groups.ts";
import { DiscreteCells } from "./discrete-cells.ts";
import { fusedPass } from "./fused-pass.ts";
import { addTerm } from "./log-sum-exp.ts";

/** How a candidate is evaluated: outside the domain (density 0), term by term, or by the fused pass. */
const OUTSIDE = 0;
const TERM_BY_TERM = 1;
const FUSED = 2;

/**
 * How far (in log units) a candidate's bound must fall below the best exact ratio before
 * the candidate is dropped: far above the rounding of a log-sum-exp over 10^5 terms and the
 * terms it skips (under 1e-11), so a dropped candidate is strictly worse than the best.
 */
const MARGIN = 1e-9;

/**
 * Compiles the joint log-density of a mixture: per-kernel constants (log weight, the
 * categorical "miss" probabilities, Gaussian constants and truncation normalisers) folded
 * into one base term; then, per candidate, one fused pass over the kernels that share each
 * continuous dimension's observation width and sit on every discrete grid (all but the
 * prior, normally), with the log-sum-exp taken in the same pass. The few other kernels are
 * evaluated term by term.
 *
 * @param exact include the -log σ term of continuous kernels (false = Optuna 3.1.0).
 * @param near the points the density will be evaluated at, if known: the fused pass then
 *   visits the kernels nearest them first, which lets bestRatio drop candidates early. The
 *   sum is the same up to rounding in its last bits.
 */
export function jointLogDensity(mixture: Mixture, exact: boolean, near?: NearPoints): MixtureDensity {
  const m = mixture.nComponents;
  const { spaces, kernels } = mixture;
  let base = new Float64Array(m);
  for (let i = 0; i < m; i++) base[i] = Math.log(mixture.weights[i]);
  // Kernels left out of the fused pass: another width in a continuous dimension, or off a
  // discrete grid (the prior; observations of a changed distribution).
  const slow = new Uint8Array(m);

  const categorical: { dim: CodedDimension; bonus: Float64Array; nChoices: number; choiceOf: Int32Array }[] = [];
  const discrete: { dim: CodedDimension; cells: DiscreteCells }[] = [];
  const continuous: { d: number; mus: Float64Array; sigmas: Float64Array }[] = [];
  let tabulated = true;
  for (let d = 0; d < spaces.length; d++) {
    const space = spaces[d];
    if (space.kind === "categorical") {
      const kern = kernels[d] as CategoricalKernels;
      const k = space.nChoices;
      // Per row (index c + 1: choice c, 0: the prior) the log of the probability it gives
      // any other choice, and for an observation row the extra log(hit / miss) of its own.
      const logMiss = kern.rowOfChoice.map((row, index) => Math.log(row[(index === 1 ? 1 : 0) % k]));
      const bonus = Float64Array.from({ length: k }, (_, c) => Math.log(kern.rowOfChoice[c + 1][c]) - logMiss[c + 1]);
      const digits = new Int32Array(m);
      for (let i = 0; i < m; i++) {
        const c = kern.choiceOf[i];
        base[i] += logMiss[c + 1];
        digits[i] = c + 1;
      }
      categorical.push({ dim: { d, size: k + 1, digits, terms: new Float64Array(k + 1) }, bonus, nChoices: k, choiceOf: kern.choiceOf });
      continue;
    }
    const { mus, sigmas } = kernels[d] as NumericKernels;
    if (space.kind === "continuous") {
      // Widths repeat (all observations share one), so log σ is computed per width.
      let lastSigma = NaN;
      let constant = 0;
      for (let i = 0; i < m; i++) {
        const s = sigmas[i];
        if (s !== lastSigma) {
          lastSigma = s;
          constant = LOG_SQRT_2PI + (exact ? Math.log(s) : 0);
        }
        base[i] -= logGaussMass((space.low - mus[i]) / s, (space.high - mus[i]) / s) + constant;
        // The observations share one width (the first kernel's); the prior has its own.
        if (s !== sigmas[0]) slow[i] = 1;
      }
      continuous.push({ d, mus, sigmas });
      continue;
    }
    const cells = new DiscreteCells(space, mus, sigmas);
    if (cells.table.length === 0) tabulated = false;
    const digits = new Int32Array(m);
    for (let i = 0; i < m; i++) {
      base[i] += cells.negLogDomain[i];
      const k = cells.gridIndex[i];
      if (k < 0) slow[i] = 1;
      else digits[i] = k;
    }
    discrete.push({ dim: { d, size: Math.max(1, cells.points), digits, terms: new Float64Array(Math.max(1, cells.points)) }, cells });
  }

  const groups = packGroups([...categorical.map((c) => c.dim), ...discrete.map((c) => c.dim)], m);
  const slowList: number[] = [];
  const slowBase = new Map<number, number>();
  for (let i = 0; i < m; i++) {
    if (!slow[i]) continue;
    // The fused pass sees -Infinity for the slow kernels, which then add nothing there.
    slowList.push(i);
    slowBase.set(i, base[i]);
    base[i] = -Infinity;
  }
  // Term by term, kernels are read by their own index; the fused pass may read them in another order.
  const kernelBase = base;
  const nCont = continuous.length;
  const xCont = new Float64Array(nCont);
  const sharedInv = Float64Array.from(continuous, (c) => 1 / c.sigmas[0]);
  let contMus = continuous.map((c) => c.mus);
  let groupCodes = groups.map((g) => g.codes);
  if (near !== undefined && near.size > 0) {
    // The fused pass takes the kernels nearest the candidates first (see bestRatio).
    const order = nearestFirst(near, spaces, continuous, discrete.map((e) => e.dim.d), kernels, m);
    base = gather(base, order);
    contMus = contMus.map((mus) => gather(mus, order));
    groupCodes = groupCodes.map((codes) => gather(codes, order));
  }
  const groupTables = groups.map((g) => g.table);
  const xCat = new Int32Array(categorical.length);
  const xDisc = new Float64Array(discrete.length);
  const state = new Float64Array(2);
  const pass = fusedPass(groups.length, nCont);

  /** One kernel's log term, every dimension computed directly, from its base `v`. */
  const kernelTerm = (i: number, v: number): number => {
    for (let e = 0; e < categorical.length; e++) {
      if (categorical[e].choiceOf[i] === xCat[e]) v += categorical[e].bonus[xCat[e]];
    }
    for (let e = 0; e < nCont; e++) {
      const t = (xCont[e] - continuous[e].mus[i]) * (1 / continuous[e].sigmas[i]);
      v -= 0.5 * t * t;
    }
    for (let e = 0; e < discrete.length; e++) {
      const { space, mus, sigmas } = discrete[e].cells;
      const lower = Math.max(xDisc[e] - 0.5 * space.q, space.low);
      const upper = Math.min(xDisc[e] + 0.5 * space.q, space.high);
      v += logGaussMass((lower - mus[i]) / sigmas[i], (upper - mus[i]) / sigmas[i]);
    }
    return v;
  };

  /**
   * Reads candidate j into xCat / xCont / xDisc and, where the fused pass can score it,
   * fills the code tables with its terms; says how to evaluate it.
   */
  const prepare = (points: readonly Float64Array[], j: number): number => {
    for (let e = 0; e < categorical.length; e++) {
      const x = points[categorical[e].dim.d][j];
      if (!isChoice(x, categorical[e].nChoices)) return OUTSIDE;
      xCat[e] = x;
    }
    for (let e = 0; e < nCont; e++) {
      const space = spaces[continuous[e].d];
      const x = toKernel(space, points[continuous[e].d][j]);
      if (!(x >= space.low && x <= space.high)) return OUTSIDE;
      xCont[e] = x;
    }
    let fused = tabulated;
    for (let e = 0; e < discrete.length; e++) {
      const space = spaces[discrete[e].dim.d];
      const x = toKernel(space, points[discrete[e].dim.d][j]);
      if (!(x >= space.low && x <= space.high)) return OUTSIDE;
      xDisc[e] = x;
      const kx = fused ? discrete[e].cells.gridOf(x) : -1;
      if (kx < 0) fused = false;
      else {
        // Centre at grid g, candidate at grid kx: the table's entry kx - g + points - 1.
        const { table, points: n } = discrete[e].cells;
        const terms = discrete[e].dim.terms;
        for (let g = 0; g < n; g++) terms[g] = table[kx - g + n - 1];
      }
    }
    if (!fused) return TERM_BY_TERM;
    for (let e = 0; e < categorical.length; e++) {
      const { dim, bonus } = categorical[e];
      dim.terms.fill(0);
      dim.terms[xCat[e] + 1] = bonus[xCat[e]];
    }
    for (let g = 0; g < groups.length; g++) fillGroupTable(groups[g]);
    return FUSED;
  };

  /** Starts the online log-sum-exp (see addTerm) in state = [max, sum] of a prepared candidate, through `to`. */
  const start = (how: number, to: number): void => {
    state[0] = -Infinity;
    state[1] = 0;
    if (how === TERM_BY_TERM) {
      for (let i = 0; i < m; i++) addTerm(state, kernelTerm(i, slow[i] ? slowBase.get(i)! : kernelBase[i]));
      return;
    }
    for (const i of slowList) addTerm(state, kernelTerm(i, slowBase.get(i)!));
    pass(0, to, base, groupCodes, groupTables, contMus, xCont, sharedInv, state, expNonPositive);
  };

  /** The log-density the state holds. */
  const logDensity = (max: number, sum: number): number => (max === -Infinity ? -Infinity : max + Math.log(sum));

  const evaluate = (points: readonly Float64Array[], size: number, out: Float64Array): void => {
    for (let j = 0; j < size; j++) {
      const how = prepare(points, j);
      if (how === OUTSIDE) out[j] = -Infinity;
      else {
        start(how, m);
        out[j] = logDensity(state[0], state[1]);
      }
    }
  };

  /**
   * The best ratio without scoring every candidate against every kernel: the kernels' terms
   * are all positive, so the log-sum-exp over the first kernels is a lower bound of the
   * density and logNumerator minus it an upper bound of the ratio. Every candidate gets a
   * first share of the kernels; then, in the order of those bounds, each resumes in growing
   * steps until it is complete (its exact ratio, computed in the same order as evaluate's,
   * so to the same bit) or its bound falls MARGIN below the best exact ratio so far (it
   * cannot win). Same choice as scoring all of them (tests/samplers/parzen-log-density.test.ts).
   */
  const bestRatio = (points: readonly Float64Array[], size: number, logNumerator: Float64Array): number => {
    const scores = new Float64Array(size).fill(-Infinity);
    const max = new Float64Array(size);
    const sum = new Float64Array(size);
    const done = new Int32Array(size);
    const bound = new Float64Array(size).fill(-Infinity);
    const first = Math.min(m, Math.max(64, Math.ceil(m / 32)));
    let best = -Infinity;
    const open: number[] = [];
    for (let j = 0; j < size; j++) {
      const how = prepare(points, j);
      if (how !== FUSED) {
        if (how === OUTSIDE) scores[j] = logNumerator[j] - -Infinity;
        else {
          start(how, m);
          scores[j] = logNumerator[j] - logDensity(state[0], state[1]);
        }
        if (scores[j] > best) best = scores[j];
        continue;
      }
      start(how, first);
      max[j] = state[0];
      sum[j] = state[1];
      done[j] = first;
      bound[j] = logNumerator[j] - logDensity(state[0], state[1]);
      open.push(j);
    }
    // Highest bound first: the likeliest winner sets the bar the others must clear.
    open.sort((a, b) => (bound[b] > bound[a] ? 1 : bound[b] < bound[a] ? -1 : a - b));
    for (const j of open) {
      if (bound[j] < best - MARGIN) continue;
      prepare(points, j);
      state[0] = max[j];
      state[1] = sum[j];
      let from = done[j];
      let step = first;
      let dropped = false;
      while (from < m) {
        step *= 2;
        const to = Math.min(m, from + step);
        pass(from, to, base, groupCodes, groupTables, contMus, xCont, sharedInv, state, expNonPositive);
        from = to;
        if (from < m && logNumerator[j] - logDensity(state[0], state[1]) < best - MARGIN) {
          dropped = true;
          break;
        }
      }
      if (dropped) continue;
      scores[j] = logNumerator[j] - logDensity(state[0], state[1]);
      if (scores[j] > best) best = scores[j];
    }
    return firstArgmax(scores, size);
  };

  return { evaluate, bestRatio };
}

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
 * O(m), and all the order the bounds need.
 */
function nearestFirst(
  near: NearPoints,
  spaces: readonly KernelSpace[],
  continuous: readonly { d: number; mus: Float64Array; sigmas: Float64Array }[],
  discreteDims: readonly number[],
  kernels: readonly (NumericKernels | CategoricalKernels)[],
  m: number,
): Int32Array {
  const distance = new Float64Array(m);
  for (const d of [...continuous.map((c) => c.d), ...discreteDims]) {
    const space = spaces[d];
    const xs = near.points[d];
    let centre = 0;
    for (let j = 0; j < near.size; j++) centre += toKernel(space, xs[j]);
    centre /= near.size;
    const { mus, sigmas } = kernels[d] as NumericKernels;
    for (let i = 0; i < m; i++) {
      const t = (mus[i] - centre) / sigmas[i];
      distance[i] += t * t;
    }
  }
  const start = new Int32Array(SHELLS + 1);
  const shell = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    // NaN (a centre off the domain) goes to the last shell.
    const s = distance[i] < SHELLS - 1 ? Math.floor(distance[i]) : SHELLS - 1;
    shell[i] = s;
    start[s + 1]++;
  }
  for (let s = 0; s < SHELLS; s++) start[s + 1] += start[s];
  const order = new Int32Array(m);
  for (let i = 0; i < m; i++) order[start[shell[i]]++] = i;
  return order;
}

/** values[order[r]] for every r. */
function gather<T extends Float64Array | Int32Array>(values: T, order: Int32Array): T {
  const out = new (values.constructor as new (n: number) => T)(order.length);
  for (let r = 0; r < order.length; r++) out[r] = values[order[r]];
  return out;
}
