import { NEGLIGIBLE } from "./log-sum-exp.ts";

/**
 * The fused pass over the fast kernels from `from` to `to`: one loop that adds every
 * group's table entry and every continuous dimension's Gaussian term to the kernel's base
 * and folds the result into an online log-sum-exp held in state = [max, sum] (so a pass
 * can resume where the last one stopped). It is generated as source for
 * each shape (numbers of code groups and continuous dimensions) because a loop over the
 * dimensions inside the kernel loop runs several times slower in V8 than the unrolled
 * sum; the source is built from those two counts only, and each shape is compiled once.
 */
export type FusedPass = (
  from: number,
  to: number,
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

/** The fused pass of a shape (numbers of code groups and continuous dimensions), compiled on first use. */
export function fusedPass(nGroups: number, nCont: number): FusedPass {
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
    "for (let i = from; i < to; i++) {",
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
  pass = new Function("from", "to", "base", "codes", "tables", "mus", "xs", "invs", "state", "exp", lines.join("\n")) as FusedPass;
  fusedPasses.set(key, pass);
  return pass;
}
