/**
 * The log-density of a joint Parzen mixture (multivariate TPE: one product kernel per
 * observation over several parameters), the estimator g(x) evaluates for every candidate
 * against every past trial: 24 × 10,000 product kernels per proposal at the top of the
 * speed benchmark. The sum is Optuna's; the work is arranged so that each kernel costs one
 * pass of a few loads and one exp.
 */
import { isChoice, toKernel } from "../kernels/kernel-space.ts";
import type { CategoricalKernels, LogDensity, Mixture, NumericKernels } from "../kernels/mixture.ts";
import { LOG_SQRT_2PI } from "../normal/normal-functions.ts";
import { expNonPositive } from "../normal/exp-nonpositive.ts";
import { logGaussMass } from "../normal/truncated-normal.ts";
import { type CodedDimension, fillGroupTable, packGroups } from "./code-groups.ts";
import { DiscreteCells } from "./discrete-cells.ts";
import { fusedPass } from "./fused-pass.ts";
import { addTerm } from "./log-sum-exp.ts";

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
export function jointLogDensity(mixture: Mixture, exact: boolean): LogDensity {
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
        if (!isChoice(x, categorical[e].nChoices)) {
          out[j] = -Infinity;
          continue candidates;
        }
        xCat[e] = x;
      }
      for (let e = 0; e < nCont; e++) {
        const space = spaces[continuous[e].d];
        const x = toKernel(space, points[continuous[e].d][j]);
        if (!(x >= space.low && x <= space.high)) {
          out[j] = -Infinity;
          continue candidates;
        }
        xCont[e] = x;
      }
      let fused = tabulated;
      for (let e = 0; e < discrete.length; e++) {
        const space = spaces[discrete[e].dim.d];
        const x = toKernel(space, points[discrete[e].dim.d][j]);
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

