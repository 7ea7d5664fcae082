import type { ImportanceFeature } from "./importance-dataset.ts";
import type { TreeLeaf } from "./regression-tree.ts";

/**
 * fANOVA for one tree (Hutter et al. 2014): the tree is a piecewise-constant function on
 * the search space, with every feature uniform over its domain. Returns, per feature, the
 * variance of its one-dimensional marginal (the mean prediction with that feature fixed)
 * as a fraction of the tree's total variance; null when the tree is constant.
 */
export function marginalVarianceFractions(features: readonly ImportanceFeature[], leaves: readonly TreeLeaf[]): number[] | null {
  const d = features.length;
  const nLeaves = leaves.length;
  // widths[l * d + j]: the share of feature j's domain that leaf l covers.
  const widths = new Float64Array(nLeaves * d);
  const volume = new Float64Array(nLeaves);
  for (let l = 0; l < nLeaves; l++) {
    const leaf = leaves[l];
    let v = 1;
    for (let j = 0; j < d; j++) {
      const f = features[j];
      let w: number;
      if (f.categorical) {
        let n = 0;
        for (const m of leaf.choices[j]!) n += m;
        w = n / f.choices;
      } else {
        w = (leaf.hi[j] - leaf.lo[j]) / (f.high - f.low);
      }
      widths[l * d + j] = w;
      v *= w;
    }
    volume[l] = v;
  }
  let mean = 0;
  for (let l = 0; l < nLeaves; l++) mean += volume[l] * leaves[l].value;
  let total = 0;
  for (let l = 0; l < nLeaves; l++) total += volume[l] * (leaves[l].value - mean) ** 2;
  if (!(total > 1e-300)) return null;

  const fractions: number[] = [];
  const weight = new Float64Array(nLeaves);
  for (let j = 0; j < d; j++) {
    // Each leaf adds value × (its share of the other features) wherever feature j is inside it.
    for (let l = 0; l < nLeaves; l++) {
      const wj = widths[l * d + j];
      if (wj > 0) {
        weight[l] = (leaves[l].value * volume[l]) / wj;
      } else {
        weight[l] = 0; // covers none of feature j: adds nothing anywhere
      }
    }
    const f = features[j];
    let variance = 0;
    if (f.categorical) {
      const marginal = new Float64Array(f.choices);
      for (let l = 0; l < nLeaves; l++) {
        const member = leaves[l].choices[j]!;
        for (let c = 0; c < f.choices; c++) if (member[c]) marginal[c] += weight[l];
      }
      for (const v of marginal) variance += (v - mean) ** 2 / f.choices;
    } else {
      // Sweep over the interval ends: the marginal is constant between consecutive ends.
      const at = new Float64Array(2 * nLeaves);
      const delta = new Float64Array(2 * nLeaves);
      for (let l = 0; l < nLeaves; l++) {
        at[2 * l] = leaves[l].lo[j];
        delta[2 * l] = weight[l];
        at[2 * l + 1] = leaves[l].hi[j];
        delta[2 * l + 1] = -weight[l];
      }
      const order = Uint32Array.from({ length: 2 * nLeaves }, (_, i) => i).sort((a, b) => at[a] - at[b]);
      let level = 0;
      for (let e = 0; e < order.length; e++) {
        level += delta[order[e]];
        const here = at[order[e]];
        const next = e + 1 < order.length ? at[order[e + 1]] : f.high;
        if (next > here) variance += ((next - here) / (f.high - f.low)) * (level - mean) ** 2;
      }
    }
    fractions.push(variance / total);
  }
  return fractions;
}
