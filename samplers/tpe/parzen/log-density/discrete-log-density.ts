import type { LogDensity, Mixture, NumericKernels } from "../kernels/mixture.ts";
import { normLogPdf } from "../normal/normal-functions.ts";
import { logDomainMass } from "../normal/centred-mass.ts";
import { logGaussMass } from "../normal/truncated-normal.ts";
import { logSumExp, NEGLIGIBLE } from "./log-sum-exp.ts";

/**
 * The log-density of a mixture over one int or step parameter: each kernel's mass in the
 * candidate's grid cell over its mass in the domain. Kernels with the same centre and width
 * are merged first (their weights add): the history of such a parameter holds few distinct
 * values, so g(x) collapses from n kernels to a few dozen. A kernel whose upper bound falls
 * e^37 below the best lower bound is skipped, and each distinct candidate is evaluated once.
 */
export function discreteLogDensity(mixture: Mixture): LogDensity {
  const space = mixture.spaces[0];
  const { mus, sigmas } = mixture.kernels[0] as NumericKernels;
  const m = mixture.nComponents;
  const index = new Map<number, Map<number, number>>();
  const gMu: number[] = [];
  const gSigma: number[] = [];
  const gWeight: number[] = [];
  for (let i = 0; i < m; i++) {
    let bySigma = index.get(mus[i]);
    if (bySigma === undefined) index.set(mus[i], (bySigma = new Map()));
    const g = bySigma.get(sigmas[i]);
    if (g === undefined) {
      bySigma.set(sigmas[i], gMu.length);
      gMu.push(mus[i]);
      gSigma.push(sigmas[i]);
      gWeight.push(mixture.weights[i]);
    } else gWeight[g] += mixture.weights[i];
  }
  const groups = gMu.length;
  const base = new Float64Array(groups);
  for (let g = 0; g < groups; g++) {
    const s = gSigma[g];
    base[g] = Math.log(gWeight[g]) - logDomainMass((space.low - gMu[g]) / s, (space.high - gMu[g]) / s);
  }
  const upperBound = new Float64Array(groups);
  const terms = new Float64Array(groups);
  const seen: number[] = [];
  const seenValue: number[] = [];
  return (points, size, out) => {
    const xs = points[0];
    seen.length = 0;
    seenValue.length = 0;
    for (let j = 0; j < size; j++) {
      const x = xs[j];
      const known = seen.indexOf(x);
      if (known >= 0) {
        out[j] = seenValue[known];
        continue;
      }
      let result: number;
      if (!(x >= space.low && x <= space.high)) result = -Infinity;
      else {
        const lower = Math.max(x - 0.5 * space.q, space.low);
        const upper = Math.min(x + 0.5 * space.q, space.high);
        const width = upper - lower;
        // Bounds on each kernel's mass in [lower, upper]: width times the smallest and the
        // largest density there. Kernels whose upper bound is e^37 below the best lower
        // bound cannot matter; the rest get the exact mass.
        let bestLower = -Infinity;
        for (let g = 0; g < groups; g++) {
          const s = gSigma[g];
          const a = (lower - gMu[g]) / s;
          const b = (upper - gMu[g]) / s;
          const near = a > 0 ? a : b < 0 ? -b : 0;
          const far = Math.max(Math.abs(a), Math.abs(b));
          const logWidth = Math.log(width / s);
          upperBound[g] = base[g] + logWidth + normLogPdf(near);
          const lb = base[g] + logWidth + normLogPdf(far);
          if (lb > bestLower) bestLower = lb;
        }
        let max = -Infinity;
        for (let g = 0; g < groups; g++) {
          if (upperBound[g] < bestLower + NEGLIGIBLE) {
            terms[g] = -Infinity;
            continue;
          }
          const s = gSigma[g];
          const v = base[g] + logGaussMass((lower - gMu[g]) / s, (upper - gMu[g]) / s);
          terms[g] = v;
          if (v > max) max = v;
        }
        result = logSumExp(terms, groups, max);
      }
      seen.push(x);
      seenValue.push(result);
      out[j] = result;
    }
  };
}
