import type { SeededRandom } from "../random/seeded-random.ts";
import type { ImportanceFeature } from "./importance-dataset.ts";

/**
 * A leaf of a fitted tree with the box of the search space it covers: for numeric
 * features an interval [lo, hi), for categorical ones the set of choices that reach it.
 * The leaves of a tree partition the whole space, which is what fANOVA integrates over.
 */
export interface TreeLeaf {
  readonly value: number;
  readonly lo: Float64Array;
  readonly hi: Float64Array;
  /** Per feature: membership of each choice (categoricals), or null (numeric). */
  readonly choices: readonly (Uint8Array | null)[];
}

/** How a tree grows. */
export interface TreeOptions {
  readonly maxDepth: number;
  readonly minSamplesLeaf: number;
}

interface Region {
  lo: Float64Array;
  hi: Float64Array;
  choices: (Uint8Array | null)[];
}

interface Split {
  score: number;
  feature: number;
  /** Numeric: samples with x <= threshold go left. */
  threshold: number;
  /** Categorical: choices that go left. */
  left: Uint8Array | null;
}

/**
 * Fits a CART regression tree (squared error) on the given samples (a bootstrap sample, so
 * indices may repeat) and returns its leaves with their regions. Numeric features split at
 * midpoints between neighbouring values; categorical ones by a subset of choices found by
 * ordering the choices by mean target (optimal for squared error). Features are tried in a
 * seeded random order and only a strictly better split replaces the best, so ties break
 * the same way for the same seed.
 */
export function fitRegressionTree(
  features: readonly ImportanceFeature[],
  columns: readonly Float64Array[],
  y: Float64Array,
  samples: Int32Array,
  options: TreeOptions,
  random: SeededRandom,
): TreeLeaf[] {
  const leaves: TreeLeaf[] = [];
  const root: Region = {
    lo: Float64Array.from(features, (f) => f.low),
    hi: Float64Array.from(features, (f) => f.high),
    choices: features.map((f) => (f.categorical ? new Uint8Array(f.choices).fill(1) : null)),
  };
  const grow = (idx: Int32Array, depth: number, region: Region) => {
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const i of idx) {
      const v = y[i];
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const mean = sum / idx.length;
    const split = depth >= options.maxDepth || idx.length < 2 * options.minSamplesLeaf || max - min <= 1e-12 * Math.max(1, Math.abs(mean))
      ? null
      : bestSplit(features, columns, y, idx, options.minSamplesLeaf, random);
    if (!split) {
      leaves.push({ value: mean, lo: region.lo, hi: region.hi, choices: region.choices });
      return;
    }
    const f = split.feature;
    const col = columns[f];
    const goesLeft = split.left ? (i: number) => split.left![col[i]] === 1 : (i: number) => col[i] <= split.threshold;
    const leftIdx = idx.filter(goesLeft);
    const rightIdx = idx.filter((i) => !goesLeft(i));
    const left = copyRegion(region);
    const right = copyRegion(region);
    if (split.left) {
      const member = region.choices[f]!;
      left.choices[f] = member.map((m, c) => (m && split.left![c] ? 1 : 0));
      right.choices[f] = member.map((m, c) => (m && !split.left![c] ? 1 : 0));
    } else {
      left.hi[f] = split.threshold;
      right.lo[f] = split.threshold;
    }
    grow(leftIdx, depth + 1, left);
    grow(rightIdx, depth + 1, right);
  };
  grow(samples, 0, root);
  return leaves;
}

function copyRegion(r: Region): Region {
  return { lo: r.lo.slice(), hi: r.hi.slice(), choices: [...r.choices] };
}

function bestSplit(
  features: readonly ImportanceFeature[],
  columns: readonly Float64Array[],
  y: Float64Array,
  idx: Int32Array,
  minLeaf: number,
  random: SeededRandom,
): Split | null {
  const order = features.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  let best: Split | null = null;
  for (const f of order) {
    const candidate = features[f].categorical
      ? bestCategoricalSplit(f, features[f].choices, columns[f], y, idx, minLeaf)
      : bestNumericSplit(f, features[f], columns[f], y, idx, minLeaf);
    if (candidate && (!best || candidate.score > best.score)) best = candidate;
  }
  return best;
}

/** Maximises sL²/nL + sR²/nR, which is minimising the children's squared error. */
function bestNumericSplit(f: number, feature: ImportanceFeature, col: Float64Array, y: Float64Array, idx: Int32Array, minLeaf: number): Split | null {
  const sorted = Int32Array.from(idx).sort((a, b) => col[a] - col[b]);
  const n = sorted.length;
  let total = 0;
  for (const i of sorted) total += y[i];
  let left = 0;
  let best: Split | null = null;
  for (let k = 1; k < n; k++) {
    left += y[sorted[k - 1]];
    const a = col[sorted[k - 1]];
    const b = col[sorted[k]];
    if (a === b || k < minLeaf || n - k < minLeaf) continue;
    const right = total - left;
    const score = (left * left) / k + (right * right) / (n - k);
    if (!best || score > best.score) {
      let threshold = a + (b - a) / 2;
      if (threshold >= b) threshold = a;
      threshold = Math.min(feature.high, Math.max(feature.low, threshold));
      best = { score, feature: f, threshold, left: null };
    }
  }
  return best;
}

function bestCategoricalSplit(f: number, k: number, col: Float64Array, y: Float64Array, idx: Int32Array, minLeaf: number): Split | null {
  const count = new Float64Array(k);
  const sum = new Float64Array(k);
  for (const i of idx) {
    count[col[i]]++;
    sum[col[i]] += y[i];
  }
  const present = [...Array(k).keys()].filter((c) => count[c] > 0).sort((a, b) => sum[a] / count[a] - sum[b] / count[b] || a - b);
  if (present.length < 2) return null;
  const n = idx.length;
  let total = 0;
  for (const c of present) total += sum[c];
  let leftSum = 0;
  let leftN = 0;
  let best: Split | null = null;
  for (let j = 0; j < present.length - 1; j++) {
    leftSum += sum[present[j]];
    leftN += count[present[j]];
    if (leftN < minLeaf || n - leftN < minLeaf) continue;
    const right = total - leftSum;
    const score = (leftSum * leftSum) / leftN + (right * right) / (n - leftN);
    if (!best || score > best.score) {
      const left = new Uint8Array(k);
      for (let m = 0; m <= j; m++) left[present[m]] = 1;
      // Choices no sample at this node has go right; the leaves must still cover them.
      best = { score, feature: f, threshold: 0, left };
    }
  }
  return best;
}
