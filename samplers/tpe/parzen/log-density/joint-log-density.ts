/**
 * The log-density of a joint Parzen mixture (multivariate TPE: one product kernel per
 * observation over several parameters), the estimator g(x) evaluates for every candidate
 * against every past trial: 24 × 10,000 product kernels per proposal at the top of the
 * speed benchmark. The sum is Optuna's; the work is arranged so that each kernel costs one
 * pass of a few loads and one exp.
 */
import { DiscreteCells } from "./discrete-cells.ts";
import { expNonPositive } from "../normal/exp-nonpositive.ts";
import type { KernelSpace } from "../kernels/kernel-space.ts";
import type { CategoricalKernels, NumericKernels } from "../parzen-estimator.ts";
import { logGaussMass } from "../normal/truncated-normal.ts";

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
/** Terms this far below the largest add less than 1e-16 of it each: their exp is skipped. */
const NEGLIGIBLE = -37;

/** What the joint log-density needs from a fitted mixture. */
export interface JointMixture {
  readonly nComponents: number;
  readonly weights: Float64Array;
  readonly spaces: readonly KernelSpace[];
  readonly kernels: readonly (NumericKernels | CategoricalKernels)[];
}

/** Writes the log-density of `points[d][j]` (internal values) into `out[j]`, j < size. */
export type LogDensity = (points: readonly Float64Array[], size: number, out: Float64Array) => void;

/**
 * A categorical or discrete dimension: each kernel has a digit in [0, size), and a
 * candidate adds a term that depends only on that digit (categorical: choice + 1, 0 for the
 * prior, and the log(hit / miss) bonus where the digit is the candidate's choice + 1;
 * discrete: the grid index of the centre, and the log mass of the candidate's cell).
 */
interface CodedDimension {
  readonly d: number;
  readonly size: number;
  readonly digits: Int32Array;
  /** The candidate's term for each digit, refilled per candidate. */
  readonly terms: Float64Array;
}

/**
 * Coded dimensions packed together: a kernel's code is its digits in mixed radix, and a
 * candidate's table holds the summed terms of every code, so the kernel loop does one
 * lookup per group instead of one per dimension.
 */
interface CodeGroup {
  readonly dims: readonly CodedDimension[];
  readonly codes: Int32Array;
  readonly table: Float64Array;
}

/**
 * Compiles the joint log-density of a mixture: per-kernel constants (log weight, the
 * categorical "miss" probabilities, Gaussian constants and truncation normalisers) folded
 * into one base term; then, per candidate, one fused pass over the kernels that share each
 * continuous dimension's observation width and sit on every discrete grid (all but the
 * prior, normally), with the log-sum-exp taken in the same pass. The few other kernels are
 * evaluated term by term.
 *
 * @param exact include the -log σ term of continuous kernels (false = Optuna 3.1.0).
 */
export function jointLogDensity(mixture: JointMixture, exact: boolean): LogDensity {
  const m = mixture.nComponents;
  const { spaces, kernels } = mixture;
  const base = new Float64Array(m);
  for (let i = 0; i < m; i++) base[i] = Math.log(mixture.weights[i]);
  // Kernels left out of the fused pass: another width in a continuous dimension, or off a
  // discrete grid (the prior; observations of a changed distribution).
  const slow = new Uint8Array(m);

  const categorical: { dim: CodedDimension; bonus: Float64Array; nChoices: number }[] = [];
  const discrete: { dim: CodedDimension; cells: DiscreteCells }[] = [];
  const continuous: { d: number; mus: Float64Array; inv: Float64Array }[] = [];
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
      categorical.push({ dim: { d, size: k + 1, digits, terms: new Float64Array(k + 1) }, bonus, nChoices: k });
      continue;
    }
    const { mus, sigmas } = kernels[d] as NumericKernels;
    if (space.kind === "continuous") {
      const inv = new Float64Array(m);
      // Widths repeat (all observations share one), so log σ and 1/σ are computed per width.
      let lastSigma = NaN;
      let constant = 0;
      let lastInv = 0;
      for (let i = 0; i < m; i++) {
        const s = sigmas[i];
        if (s !== lastSigma) {
          lastSigma = s;
          constant = LOG_SQRT_2PI + (exact ? Math.log(s) : 0);
          lastInv = 1 / s;
        }
        base[i] -= logGaussMass((space.low - mus[i]) / s, (space.high - mus[i]) / s) + constant;
        inv[i] = lastInv;
      }
      // The observations share one width (the first kernel's); the prior has its own.
      for (let i = 1; i < m; i++) if (inv[i] !== inv[0]) slow[i] = 1;
      continuous.push({ d, mus, inv });
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
  const fastBase = new Float64Array(m);
  const slowList: number[] = [];
  for (let i = 0; i < m; i++) {
    // The fused pass sees -Infinity for the slow kernels, which then add nothing there.
    fastBase[i] = slow[i] ? -Infinity : base[i];
    if (slow[i]) slowList.push(i);
  }
  const slowKernels = Int32Array.from(slowList);
  const nCont = continuous.length;
  const xCont = new Float64Array(nCont);
  const sharedInv = Float64Array.from(continuous, (c) => c.inv[0]);
  const contMus = continuous.map((c) => c.mus);
  const groupCodes = groups.map((g) => g.codes);
  const groupTables = groups.map((g) => g.table);
  const xCat = new Int32Array(categorical.length);
  const xDisc = new Float64Array(discrete.length);
  const state = new Float64Array(2);
  const pass = fusedPass(groups.length, nCont);

  /** One kernel's log term, every dimension computed directly. */
  const kernelTerm = (i: number): number => {
    let v = base[i];
    for (let e = 0; e < categorical.length; e++) {
      if (categorical[e].dim.digits[i] === xCat[e] + 1) v += categorical[e].bonus[xCat[e]];
    }
    for (let e = 0; e < nCont; e++) {
      const t = (xCont[e] - continuous[e].mus[i]) * continuous[e].inv[i];
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

  return (points, size, out) => {
    candidates: for (let j = 0; j < size; j++) {
      for (let e = 0; e < categorical.length; e++) {
        const x = points[categorical[e].dim.d][j];
        if (!(x >= 0 && x < categorical[e].nChoices && Number.isInteger(x))) {
          out[j] = -Infinity;
          continue candidates;
        }
        xCat[e] = x;
      }
      for (let e = 0; e < nCont; e++) {
        const space = spaces[continuous[e].d];
        const x = kernelCoordinate(space, points[continuous[e].d][j]);
        if (!(x >= space.low && x <= space.high)) {
          out[j] = -Infinity;
          continue candidates;
        }
        xCont[e] = x;
      }
      let fused = tabulated;
      for (let e = 0; e < discrete.length; e++) {
        const space = spaces[discrete[e].dim.d];
        const x = kernelCoordinate(space, points[discrete[e].dim.d][j]);
        if (!(x >= space.low && x <= space.high)) {
          out[j] = -Infinity;
          continue candidates;
        }
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
      // Online log-sum-exp (see addTerm) in state = [max, sum].
      state[0] = -Infinity;
      state[1] = 0;
      if (!fused) {
        for (let i = 0; i < m; i++) addTerm(state, kernelTerm(i));
      } else {
        for (let e = 0; e < categorical.length; e++) {
          const { dim, bonus } = categorical[e];
          dim.terms.fill(0);
          dim.terms[xCat[e] + 1] = bonus[xCat[e]];
        }
        for (let g = 0; g < groups.length; g++) fillGroupTable(groups[g]);
        for (let r = 0; r < slowKernels.length; r++) addTerm(state, kernelTerm(slowKernels[r]));
        pass(m, fastBase, groupCodes, groupTables, contMus, xCont, sharedInv, state, expNonPositive);
      }
      const max = state[0];
      out[j] = max === -Infinity ? -Infinity : max + Math.log(state[1]);
    }
  };
}

/**
 * Adds exp(v) to the online log-sum-exp state = [max, sum]: sum holds Σ exp(term - max)
 * over the terms within e^37 of the running maximum, rescaled when the maximum rises.
 */
function addTerm(state: Float64Array, v: number): void {
  const max = state[0];
  if (v > max) {
    const d = max - v;
    state[1] = d > NEGLIGIBLE ? state[1] * expNonPositive(d) + 1 : 1;
    state[0] = v;
  } else if (v - max > NEGLIGIBLE) state[1] += expNonPositive(v - max);
}

function kernelCoordinate(space: KernelSpace, internal: number): number {
  return space.log ? Math.log(internal) : internal;
}

/**
 * Packs coded dimensions into groups whose code tables stay small next to the number of
 * kernels (a table is refilled for every candidate; a kernel saves a lookup per dimension
 * packed), in order; each group's codes are the digits in mixed radix, first dimension
 * fastest.
 */
function packGroups(dims: readonly CodedDimension[], m: number): CodeGroup[] {
  const cap = Math.max(16, m >> 2);
  const packs: CodedDimension[][] = [];
  let current: CodedDimension[] = [];
  let size = 1;
  for (const dim of dims) {
    if (current.length > 0 && size * dim.size > cap) {
      packs.push(current);
      current = [];
      size = 1;
    }
    current.push(dim);
    size *= dim.size;
  }
  if (current.length > 0) packs.push(current);
  return packs.map((pack) => {
    const codes = new Int32Array(m);
    let stride = 1;
    for (const dim of pack) {
      for (let i = 0; i < m; i++) codes[i] += dim.digits[i] * stride;
      stride *= dim.size;
    }
    return { dims: pack, codes, table: new Float64Array(stride) };
  });
}

/** table[code] = the sum of the candidate's terms of the code's digits. */
function fillGroupTable(group: CodeGroup): void {
  const { table } = group;
  table[0] = 0;
  let length = 1;
  for (const dim of group.dims) {
    const { terms, size } = dim;
    // Entries with digit d of this dimension start at d · length; digit 0 last, in place.
    for (let d = size - 1; d >= 0; d--) {
      const term = terms[d];
      const offset = d * length;
      for (let t = 0; t < length; t++) table[offset + t] = table[t] + term;
    }
    length *= size;
  }
}

/**
 * The fused pass over the fast kernels: one loop that adds every group's table entry and
 * every continuous dimension's Gaussian term to the kernel's base and folds the result
 * into an online log-sum-exp held in state = [max, sum]. It is generated as source for
 * each shape (numbers of code groups and continuous dimensions) because a loop over the
 * dimensions inside the kernel loop runs several times slower in V8 than the unrolled
 * sum; the source is built from those two counts only, and each shape is compiled once.
 */
type FusedPass = (
  m: number,
  base: Float64Array,
  codes: readonly Int32Array[],
  tables: readonly Float64Array[],
  mus: readonly Float64Array[],
  xs: Float64Array,
  invs: Float64Array,
  state: Float64Array,
  exp: (x: number) => number,
) => void;

const fusedPasses = new Map<string, FusedPass>();

function fusedPass(nGroups: number, nCont: number): FusedPass {
  const key = `${nGroups},${nCont}`;
  let pass = fusedPasses.get(key);
  if (pass !== undefined) return pass;
  const lines: string[] = ['"use strict";'];
  const terms: string[] = [];
  for (let g = 0; g < nGroups; g++) {
    lines.push(`const c${g} = codes[${g}], T${g} = tables[${g}];`);
    terms.push(`v += T${g}[c${g}[i]];`);
  }
  for (let e = 0; e < nCont; e++) {
    lines.push(`const mu${e} = mus[${e}], x${e} = xs[${e}], s${e} = invs[${e}];`);
    terms.push(`const t${e} = (x${e} - mu${e}[i]) * s${e}; v -= 0.5 * t${e} * t${e};`);
  }
  lines.push(
    "let max = state[0], sum = state[1];",
    "for (let i = 0; i < m; i++) {",
    "  let v = base[i];",
    ...terms.map((t) => `  ${t}`),
    "  if (v > max) {",
    "    const d = max - v;",
    `    sum = d > ${NEGLIGIBLE} ? sum * exp(d) + 1 : 1;`,
    "    max = v;",
    `  } else if (v - max > ${NEGLIGIBLE}) sum += exp(v - max);`,
    "}",
    "state[0] = max; state[1] = sum;",
  );
  pass = new Function("m", "base", "codes", "tables", "mus", "xs", "invs", "state", "exp", lines.join("\n")) as FusedPass;
  fusedPasses.set(key, pass);
  return pass;
}
