/**
 * The log-density of a joint Parzen mixture (multivariate TPE: one product kernel per
 * observation over several parameters), the estimator g(x) evaluates for every candidate
 * against every past trial: 48 × 10,000 product kernels per proposal at the top of the
 * speed benchmark. The sum is Optuna's; the work is arranged so that each kernel costs one
 * pass of a few loads and one exp, and the search for the best ratio skips the kernels that
 * cannot change which candidate wins (bestRatio).
 */
import { isChoice, toKernel } from "../kernels/kernel-space.ts";
import type { CategoricalKernels, Mixture, MixtureDensity, NumericKernels } from "../kernels/mixture.ts";
import { LOG_SQRT_2PI } from "../normal/normal-functions.ts";
import { expNonPositive } from "../normal/exp-nonpositive.ts";
import { centredMass } from "../normal/centred-mass.ts";
import { logGaussMass } from "../normal/truncated-normal.ts";
import { firstArgmax } from "./best-ratio.ts";
import { type CodedDimension, type CodeGroup, fillGroupTable, packGroups } from "./code-groups.ts";
import { DiscreteCells } from "./discrete-cells.ts";
import { type FusedPass, fusedPass } from "./fused-pass.ts";
import { kernelOrder, type NearPoints } from "./kernel-layout.ts";
import { addTerm } from "./log-sum-exp.ts";
import { proposalF64, proposalU8 } from "../proposal-arena.ts";

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

interface CategoricalDimension {
  readonly coded: CodedDimension;
  readonly choiceOf: Int32Array;
  readonly nChoices: number;
  /** log(hit / miss) of an observation row whose choice is the candidate's. */
  readonly bonus: Float64Array;
}

interface ContinuousDimension {
  readonly d: number;
  readonly mus: Float64Array;
  readonly sigmas: Float64Array;
}

interface DiscreteDimension {
  readonly coded: CodedDimension;
  readonly cells: DiscreteCells;
}

/**
 * The joint log-density of a mixture: per-kernel constants (log weight, the categorical
 * "miss" probabilities, Gaussian constants and truncation normalisers) folded into one base
 * term; then, per candidate, one fused pass over the kernels that share each continuous
 * dimension's observation width and sit on every discrete grid (all but the prior,
 * normally), with the log-sum-exp taken in the same pass. The few other kernels ("slow")
 * are evaluated term by term. The pass reads kernels in layout order (kernel-layout.ts):
 * `#order[r]` is the kernel at position r.
 */
export class JointLogDensity implements MixtureDensity {
  readonly #m: number;
  readonly #spaces: Mixture["spaces"];
  readonly #order: Int32Array;
  /** Base term by position; -Infinity for slow kernels, whose base is in #slowBase. */
  readonly #base: Float64Array;
  readonly #slow: Uint8Array;
  readonly #slowBase = new Map<number, number>();
  readonly #categorical: CategoricalDimension[] = [];
  readonly #continuous: ContinuousDimension[] = [];
  readonly #discrete: DiscreteDimension[] = [];
  readonly #groups: CodeGroup[];
  readonly #tabulated: boolean;
  /** The fused pass's arguments: centres by position per continuous dimension, shared 1/σ, codes and tables per group. */
  readonly #contMus: Float64Array[];
  readonly #sharedInv: Float64Array;
  readonly #codes: Int32Array[];
  readonly #tables: Float64Array[];
  readonly #pass: FusedPass;
  /** The candidate being evaluated (see #prepare) and its online log-sum-exp [max, sum]. */
  readonly #xCat: Int32Array;
  readonly #xCont: Float64Array;
  readonly #xDisc: Float64Array;
  readonly #state = new Float64Array(2);

  /**
   * @param exact include the -log σ term of continuous kernels (false = Optuna 3.1.0).
   * @param near the points the density will be evaluated at, if known: the fused pass then
   *   visits the kernels nearest them first, which lets bestRatio drop candidates early.
   *   The sum is the same up to rounding in its last bits.
   */
  constructor(mixture: Mixture, exact: boolean, near?: NearPoints) {
    const m = mixture.nComponents;
    const { spaces, kernels } = mixture;
    const order = kernelOrder(near, spaces, kernels, m);
    this.#m = m;
    this.#spaces = spaces;
    this.#order = order;
    // Computed by kernel, then laid out by position (sequential reads are the cheap ones).
    // The weight over the continuous truncation masses is gathered in `mass`, whose log is
    // added once at the end: one log per kernel instead of one per kernel and parameter.
    const byKernel = proposalF64(m);
    const mass = proposalF64(m);
    mass.set(mixture.weights);
    // Kernels left out of the fused pass: another width in a continuous dimension, or off a
    // discrete grid (the prior; observations of a changed distribution). By kernel.
    const slow = proposalU8(m);

    const cells: DiscreteCells[] = [];
    for (let d = 0; d < spaces.length; d++) {
      const space = spaces[d];
      if (space.kind === "categorical") {
        const k = space.nChoices;
        const kern = kernels[d] as CategoricalKernels;
        // Per row (index c + 1: choice c, 0: the prior) the log of the probability it gives
        // any other choice, and for an observation row the extra log(hit / miss) of its own.
        const logMiss = kern.rowOfChoice.map((row, index) => Math.log(row[(index === 1 ? 1 : 0) % k]));
        const bonus = Float64Array.from({ length: k }, (_, c) => Math.log(kern.rowOfChoice[c + 1][c]) - logMiss[c + 1]);
        addRowTerms(byKernel, kern.choiceOf, Float64Array.from(logMiss));
        this.#categorical.push({ coded: { d, size: k + 1, terms: new Float64Array(k + 1) }, choiceOf: kern.choiceOf, nChoices: k, bonus });
        continue;
      }
      const { mus, sigmas } = kernels[d] as NumericKernels;
      if (space.kind === "continuous") {
        divideGaussianConstants(byKernel, mass, mus, sigmas, space.low, space.high, exact, slow);
        this.#continuous.push({ d, mus, sigmas });
        continue;
      }
      const c = new DiscreteCells(space, mus, sigmas);
      cells.push(c);
      addDomainTerms(byKernel, c.negLogDomain, c.gridIndex, slow);
      const size = Math.max(1, c.points);
      this.#discrete.push({ coded: { d, size, terms: new Float64Array(size) }, cells: c });
    }
    addLogs(byKernel, mass);
    this.#tabulated = cells.every((c) => c.table.length > 0);

    // Codes by position: each coded dimension's digit (categorical: choice + 1, 0 for the
    // prior; discrete: grid index, 0 off the grid) times its stride in its group.
    const coded = [...this.#categorical, ...this.#discrete];
    const { groups, places } = packGroups(
      coded.map((e) => e.coded),
      m,
    );
    for (let e = 0; e < this.#categorical.length; e++) addDigits(places[e].codes, places[e].stride, this.#categorical[e].choiceOf, 1, order);
    for (let e = 0; e < this.#discrete.length; e++) {
      const place = places[this.#categorical.length + e];
      addDigits(place.codes, place.stride, this.#discrete[e].cells.gridIndex, 0, order);
    }
    // The fused pass sees -Infinity for the slow kernels, which then add nothing there.
    const base = gather(byKernel, order);
    for (let r = 0; r < m; r++) {
      const i = order[r];
      if (!slow[i]) continue;
      this.#slowBase.set(i, byKernel[i]);
      base[r] = -Infinity;
    }
    this.#base = base;
    this.#slow = slow;
    this.#groups = groups;
    this.#codes = groups.map((g) => g.codes);
    this.#tables = groups.map((g) => g.table);
    this.#contMus = this.#continuous.map(({ mus }) => gather(mus, order));
    this.#sharedInv = Float64Array.from(this.#continuous, (c) => 1 / c.sigmas[0]);
    this.#pass = fusedPass(groups.length, this.#continuous.length);
    this.#xCat = new Int32Array(this.#categorical.length);
    this.#xCont = new Float64Array(this.#continuous.length);
    this.#xDisc = new Float64Array(this.#discrete.length);
  }

  /** log density of `points[d][j]` (internal values) into `out[j]`, j < size. */
  evaluate(points: readonly Float64Array[], size: number, out: Float64Array): void {
    const state = this.#state;
    for (let j = 0; j < size; j++) {
      const how = this.#prepare(points, j);
      if (how === OUTSIDE) out[j] = -Infinity;
      else {
        this.#start(how, this.#m);
        out[j] = logDensityOf(state[0], state[1]);
      }
    }
  }

  /**
   * The best ratio without scoring every candidate against every kernel: the kernels' terms
   * are all positive, so the log-sum-exp over the first kernels is a lower bound of the
   * density and logNumerator minus it an upper bound of the ratio. Every candidate gets a
   * first share of the kernels (the nearest, see kernel-layout.ts); then, in the order of
   * those bounds, each resumes in doubling steps until it is complete (its exact ratio,
   * computed in the same order as evaluate's, so to the same bit) or its bound falls MARGIN
   * below the best exact ratio so far (it cannot win). Same choice as scoring all of them
   * (tests/samplers/parzen-log-density.test.ts).
   */
  bestRatio(points: readonly Float64Array[], size: number, logNumerator: Float64Array): number {
    const m = this.#m;
    const state = this.#state;
    const scores = proposalF64(size).fill(-Infinity);
    const max = proposalF64(size);
    const sum = proposalF64(size);
    const bound = proposalF64(size);
    const first = Math.min(m, Math.max(64, Math.ceil(m / 32)));
    let best = -Infinity;
    const open: number[] = [];
    for (let j = 0; j < size; j++) {
      const how = this.#prepare(points, j);
      if (how !== FUSED) {
        if (how === OUTSIDE) scores[j] = logNumerator[j] - -Infinity;
        else {
          this.#start(how, m);
          scores[j] = logNumerator[j] - logDensityOf(state[0], state[1]);
        }
        if (scores[j] > best) best = scores[j];
        continue;
      }
      this.#start(how, first);
      max[j] = state[0];
      sum[j] = state[1];
      bound[j] = logNumerator[j] - logDensityOf(state[0], state[1]);
      open.push(j);
    }
    // Highest bound first: the likeliest winner sets the bar the others must clear.
    open.sort((a, b) => (bound[b] > bound[a] ? 1 : bound[b] < bound[a] ? -1 : a - b));
    for (const j of open) {
      if (bound[j] < best - MARGIN) continue;
      this.#prepare(points, j);
      state[0] = max[j];
      state[1] = sum[j];
      let from = first;
      let step = first;
      let dropped = false;
      while (from < m) {
        step *= 2;
        const to = Math.min(m, from + step);
        this.#resume(from, to);
        from = to;
        if (from < m && logNumerator[j] - logDensityOf(state[0], state[1]) < best - MARGIN) {
          dropped = true;
          break;
        }
      }
      if (dropped) continue;
      scores[j] = logNumerator[j] - logDensityOf(state[0], state[1]);
      if (scores[j] > best) best = scores[j];
    }
    return firstArgmax(scores, size);
  }

  /**
   * Reads candidate j into #xCat / #xCont / #xDisc and, where the fused pass can score it,
   * fills the code tables with its terms; says how to evaluate it.
   */
  #prepare(points: readonly Float64Array[], j: number): number {
    const categorical = this.#categorical;
    const continuous = this.#continuous;
    const discrete = this.#discrete;
    for (let e = 0; e < categorical.length; e++) {
      const x = points[categorical[e].coded.d][j];
      if (!isChoice(x, categorical[e].nChoices)) return OUTSIDE;
      this.#xCat[e] = x;
    }
    for (let e = 0; e < continuous.length; e++) {
      const space = this.#spaces[continuous[e].d];
      const x = toKernel(space, points[continuous[e].d][j]);
      if (!(x >= space.low && x <= space.high)) return OUTSIDE;
      this.#xCont[e] = x;
    }
    let fused = this.#tabulated;
    for (let e = 0; e < discrete.length; e++) {
      const space = this.#spaces[discrete[e].coded.d];
      const x = toKernel(space, points[discrete[e].coded.d][j]);
      if (!(x >= space.low && x <= space.high)) return OUTSIDE;
      this.#xDisc[e] = x;
      const kx = fused ? discrete[e].cells.gridOf(x) : -1;
      if (kx < 0) fused = false;
      else {
        // Centre at grid g, candidate at grid kx: the table's entry kx - g + points - 1.
        const { table, points: n } = discrete[e].cells;
        const terms = discrete[e].coded.terms;
        for (let g = 0; g < n; g++) terms[g] = table[kx - g + n - 1];
      }
    }
    if (!fused) return TERM_BY_TERM;
    for (let e = 0; e < categorical.length; e++) {
      const { coded, bonus } = categorical[e];
      coded.terms.fill(0);
      coded.terms[this.#xCat[e] + 1] = bonus[this.#xCat[e]];
    }
    for (const group of this.#groups) fillGroupTable(group);
    return FUSED;
  }

  /** Starts the online log-sum-exp (see addTerm) of a prepared candidate, through position `to`. */
  #start(how: number, to: number): void {
    const state = this.#state;
    state[0] = -Infinity;
    state[1] = 0;
    if (how === TERM_BY_TERM) {
      for (let r = 0; r < this.#m; r++) {
        const i = this.#order[r];
        addTerm(state, this.#kernelTerm(i, this.#slow[i] ? this.#slowBase.get(i)! : this.#base[r]));
      }
      return;
    }
    for (const [i, base] of this.#slowBase) addTerm(state, this.#kernelTerm(i, base));
    this.#resume(0, to);
  }

  /** The fused pass over positions from..to of the prepared candidate. */
  #resume(from: number, to: number): void {
    this.#pass(from, to, this.#base, this.#codes, this.#tables, this.#contMus, this.#xCont, this.#sharedInv, this.#state, expNonPositive);
  }

  /** Kernel i's log term at the prepared candidate, every dimension computed directly, from its base `v`. */
  #kernelTerm(i: number, v: number): number {
    for (let e = 0; e < this.#categorical.length; e++) {
      const { choiceOf, bonus } = this.#categorical[e];
      if (choiceOf[i] === this.#xCat[e]) v += bonus[this.#xCat[e]];
    }
    for (let e = 0; e < this.#continuous.length; e++) {
      const { mus, sigmas } = this.#continuous[e];
      const t = (this.#xCont[e] - mus[i]) * (1 / sigmas[i]);
      v -= 0.5 * t * t;
    }
    for (let e = 0; e < this.#discrete.length; e++) {
      const { space, mus, sigmas } = this.#discrete[e].cells;
      const lower = Math.max(this.#xDisc[e] - 0.5 * space.q, space.low);
      const upper = Math.min(this.#xDisc[e] + 0.5 * space.q, space.high);
      v += logGaussMass((lower - mus[i]) / sigmas[i], (upper - mus[i]) / sigmas[i]);
    }
    return v;
  }
}

/** The log-density an online log-sum-exp state [max, sum] holds. */
function logDensityOf(max: number, sum: number): number {
  return max === -Infinity ? -Infinity : max + Math.log(sum);
}

/** values[order[r]] for every position r. */
function gather(values: Float64Array, order: Int32Array): Float64Array {
  const out = proposalF64(order.length);
  for (let r = 0; r < order.length; r++) out[r] = values[order[r]];
  return out;
}

// The loops that build a density run once per estimator, over every kernel. Each is a
// function of its own: V8 then optimises it whole after a few estimators, where one long
// constructor kept re-entering stale on-stack-replaced code for its loops (dozens of
// deoptimisations per hundred estimators, most of the constructor's time).

/** byKernel[i] += log mass[i]. */
function addLogs(byKernel: Float64Array, mass: Float64Array): void {
  for (let i = 0; i < byKernel.length; i++) byKernel[i] += Math.log(mass[i]);
}

/** Adds each kernel's row term: rowTerm[choice + 1] (index 0 for the prior). */
function addRowTerms(byKernel: Float64Array, choiceOf: Int32Array, rowTerm: Float64Array): void {
  for (let i = 0; i < byKernel.length; i++) byKernel[i] += rowTerm[choiceOf[i] + 1];
}

/**
 * Divides out each continuous kernel's Gaussian constant: subtracts log √(2π) (+ log σ
 * when exact), and its truncation normaliser, which for a kernel centred in the domain
 * (every observation and the prior) divides `mass` (its log is taken later) and
 * otherwise is subtracted as a log; marks the kernels whose width is not the
 * observations' shared one (the first kernel's; the prior has its own) as slow.
 */
function divideGaussianConstants(
  byKernel: Float64Array,
  mass: Float64Array,
  mus: Float64Array,
  sigmas: Float64Array,
  low: number,
  high: number,
  exact: boolean,
  slow: Uint8Array,
): void {
  // Widths repeat (all observations share one), so log σ and 1/σ are computed per width.
  let lastSigma = NaN;
  let constant = 0;
  let inv = 0;
  for (let i = 0; i < byKernel.length; i++) {
    const s = sigmas[i];
    if (s !== lastSigma) {
      lastSigma = s;
      constant = LOG_SQRT_2PI + (exact ? Math.log(s) : 0);
      inv = 1 / s;
    }
    const a = (low - mus[i]) * inv;
    const b = (high - mus[i]) * inv;
    if (a <= 0 && b >= 0) {
      mass[i] /= centredMass(a, b);
      byKernel[i] -= constant;
    } else {
      byKernel[i] -= logGaussMass(a, b) + constant;
    }
    if (s !== sigmas[0]) slow[i] = 1;
  }
}

/** Adds each discrete kernel's -log domain mass; kernels off the grid are slow. */
function addDomainTerms(byKernel: Float64Array, negLogDomain: Float64Array, gridIndex: Int32Array, slow: Uint8Array): void {
  for (let i = 0; i < byKernel.length; i++) {
    byKernel[i] += negLogDomain[i];
    if (gridIndex[i] < 0) slow[i] = 1;
  }
}

/** codes[r] += max(0, digitOf[order[r]] + shift) · stride: a dimension's digits, by position. */
function addDigits(codes: Int32Array, stride: number, digitOf: Int32Array, shift: number, order: Int32Array): void {
  for (let r = 0; r < codes.length; r++) codes[r] += Math.max(0, digitOf[order[r]] + shift) * stride;
}
