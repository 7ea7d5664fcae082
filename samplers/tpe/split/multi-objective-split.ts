import { hypervolume } from "./hypervolume.ts";

const EPS = 1e-12;

/**
 * The below/above split of multi-objective TPE (Optuna 3.1's MOTPE): whole non-domination
 * ranks while they fit, then the last rank thinned by greedy hypervolume subset selection.
 * `scores` holds size × k sign-adjusted objective values (lower is better).
 */
export function splitByDominance(scores: Float64Array, size: number, k: number, nBelow: number): Uint8Array {
  const below = new Uint8Array(size);
  const target = Math.max(0, Math.min(nBelow, size));
  if (target === 0) return below;
  const points = Array.from({ length: size }, (_, p) => Array.from(scores.subarray(p * k, p * k + k)));
  const ranks = nondominationRanks(points);
  let taken = 0;
  let rank = 0;
  for (;;) {
    const members = ranks.flatMap((r, p) => (r === rank ? [p] : []));
    if (taken + members.length > target) {
      const needed = target - taken;
      if (needed > 0) {
        const rankPoints = members.map((p) => points[p]);
        for (const i of greedySubset(rankPoints, needed, referencePoint(rankPoints))) below[members[i]] = 1;
      }
      return below;
    }
    for (const p of members) below[p] = 1;
    taken += members.length;
    if (taken === target) return below;
    rank++;
  }
}

/**
 * Weights of the below observations: each one's hypervolume contribution, relative to the
 * largest (plus EPS), as Optuna 3.1.
 */
export function dominanceWeights(points: readonly (readonly number[])[]): Float64Array {
  const n = points.length;
  if (n === 0) return new Float64Array(0);
  if (n === 1) return Float64Array.of(1);
  const reference = referencePoint(points);
  const total = hypervolume(points, reference);
  const contributions = points.map((_, i) => total - hypervolume(points.filter((__, j) => j !== i), reference) + EPS);
  const max = Math.max(...contributions);
  return Float64Array.from(contributions, (c) => Math.min(1, Math.max(0, c / max)));
}

/** Non-domination rank of every point (0 = Pareto front). */
function nondominationRanks(points: readonly (readonly number[])[]): number[] {
  const n = points.length;
  const dominates = (a: readonly number[], b: readonly number[]): boolean => {
    let strictly = false;
    for (let j = 0; j < a.length; j++) {
      if (a[j] > b[j]) return false;
      if (a[j] < b[j]) strictly = true;
    }
    return strictly;
  };
  const ranks = new Array<number>(n).fill(-1);
  let remaining = n;
  for (let rank = 0; remaining > 0; rank++) {
    const front: number[] = [];
    for (let i = 0; i < n; i++) {
      if (ranks[i] !== -1) continue;
      let dominated = false;
      for (let j = 0; j < n && !dominated; j++) if (j !== i && ranks[j] === -1 && dominates(points[j], points[i])) dominated = true;
      if (!dominated) front.push(i);
    }
    for (const i of front) ranks[i] = rank;
    remaining -= front.length;
  }
  return ranks;
}

function referencePoint(points: readonly (readonly number[])[]): number[] {
  const k = points[0].length;
  const ref: number[] = [];
  for (let j = 0; j < k; j++) {
    let worst = -Infinity;
    for (const p of points) if (p[j] > worst) worst = p[j];
    const r = Math.max(1.1 * worst, 0.9 * worst);
    ref.push(r === 0 ? EPS : r);
  }
  return ref;
}

/** Greedy hypervolume subset selection (Optuna 3.1's _solve_hssp); indices into `points`. */
function greedySubset(points: readonly (readonly number[])[], size: number, reference: readonly number[]): number[] {
  const contributions = points.map((p) => hypervolume([p], reference));
  const selected: (readonly number[])[] = [];
  const chosen: number[] = [];
  let selectedVolume = 0;
  while (chosen.length < size) {
    let best = 0;
    for (let i = 1; i < contributions.length; i++) if (contributions[i] > contributions[best]) best = i;
    contributions[best] = -1;
    const vec = points[best];
    for (let j = 0; j < points.length; j++) {
      if (contributions[j] === -1) continue;
      const joint = points[j].map((v, t) => Math.max(v, vec[t]));
      contributions[j] -= hypervolume([...selected, joint], reference) - selectedVolume;
    }
    selected.push(vec);
    chosen.push(best);
    selectedVolume = hypervolume(selected, reference);
  }
  return chosen;
}
