import { describe, expect, it } from "vitest";
import {
  paramImportances,
  paramImportancesAsync,
  type Distribution,
  type FrozenTrial,
  type ParamValue,
  type TrialState,
} from "hpo";
import { SeededRandom } from "../../src/random/seeded-random.ts";
import type { ImportanceFeature } from "../../src/importance/importance-dataset.ts";
import { marginalVarianceFractions } from "../../src/importance/tree-variance.ts";

const float = (low: number, high: number, log = false): Distribution => ({ type: "float", low, high, log, step: null });

function trial(number: number, params: Record<string, ParamValue>, distributions: Record<string, Distribution>, values: number[] | null, state: TrialState = "COMPLETE"): FrozenTrial {
  return {
    trialId: number + 1,
    number,
    state,
    value: values ? values[0] : null,
    values,
    params,
    distributions,
    intermediateValues: new Map(),
    metrics: new Map(),
    userAttrs: {},
    systemAttrs: {},
    datetimeStart: null,
    datetimeComplete: null,
  };
}

/** `n` trials with x, y, z uniform on [0, 1] and value f(x, y, z). */
function uniformTrials(n: number, f: (x: number, y: number, z: number) => number, seed = 7): FrozenTrial[] {
  const r = new SeededRandom(seed);
  const d = { x: float(0, 1), y: float(0, 1), z: float(0, 1) };
  return Array.from({ length: n }, (_, i) => {
    const [x, y, z] = [r.random(), r.random(), r.random()];
    return trial(i, { x, y, z }, d, [f(x, y, z)]);
  });
}

const byName = (result: { params: readonly { name: string; importance: number }[] }) => Object.fromEntries(result.params.map((p) => [p.name, p.importance]));

describe("fANOVA decomposition of one tree", () => {
  const features: ImportanceFeature[] = [
    { name: "x", distribution: float(0, 1), categorical: false, low: 0, high: 1, choices: 0 },
    { name: "y", distribution: float(0, 1), categorical: false, low: 0, high: 1, choices: 0 },
  ];
  const leaf = (x0: number, x1: number, y0: number, y1: number, value: number) => ({
    value,
    lo: Float64Array.of(x0, y0),
    hi: Float64Array.of(x1, y1),
    choices: [null, null],
  });

  it("gives all the variance to the only feature a tree splits on", () => {
    expect(marginalVarianceFractions(features, [leaf(0, 0.25, 0, 1, 4), leaf(0.25, 1, 0, 1, 0)])).toEqual([1, 0]);
  });

  it("gives no main effect to a pure interaction (XOR)", () => {
    const fractions = marginalVarianceFractions(features, [leaf(0, 0.5, 0, 0.5, 0), leaf(0.5, 1, 0, 0.5, 1), leaf(0, 0.5, 0.5, 1, 1), leaf(0.5, 1, 0.5, 1, 0)]);
    expect(fractions![0]).toBeCloseTo(0, 12);
    expect(fractions![1]).toBeCloseTo(0, 12);
  });

  it("splits an additive function by its parts' variances", () => {
    // f = a(x) + b(y) with a ∈ {0, 1} and b ∈ {0, 2} on halves: Var a = 1/4, Var b = 1.
    const fractions = marginalVarianceFractions(features, [leaf(0, 0.5, 0, 0.5, 0), leaf(0.5, 1, 0, 0.5, 1), leaf(0, 0.5, 0.5, 1, 2), leaf(0.5, 1, 0.5, 1, 3)]);
    expect(fractions![0]).toBeCloseTo(0.2, 12);
    expect(fractions![1]).toBeCloseTo(0.8, 12);
  });

  it("is null for a constant tree", () => {
    expect(marginalVarianceFractions(features, [leaf(0, 1, 0, 1, 5)])).toBeNull();
  });
});

describe("paramImportances", () => {
  it("recovers the variance shares of an additive function and ignores a dead parameter", () => {
    // x + 2y with x, y uniform: Var x = 1/12, Var 2y = 4/12 → shares 0.2 and 0.8.
    const result = paramImportances(uniformTrials(300, (x, y) => x + 2 * y), { seed: 1 });
    const got = byName(result);
    expect(got.y).toBeGreaterThan(0.74);
    expect(got.y).toBeLessThan(0.86);
    expect(got.x).toBeGreaterThan(0.14);
    expect(got.x).toBeLessThan(0.26);
    expect(got.z).toBeLessThan(0.02);
    expect(result.params.map((p) => p.name)).toEqual(["y", "x", "z"]);
    expect(result.nTrials).toBe(300);
  });

  it("measures log ranges on the log scale and splits categoricals by choice", () => {
    const r = new SeededRandom(2);
    const d = { lr: float(1e-5, 1e-1, true), opt: { type: "categorical", choices: ["sgd", "adam", "rmsprop"] } as Distribution, noise: float(0, 1) };
    const penalty: Record<string, number> = { sgd: 0, adam: 1, rmsprop: 0 };
    const trials = Array.from({ length: 200 }, (_, i) => {
      const lr = 10 ** r.uniform(-5, -1);
      const opt = ["sgd", "adam", "rmsprop"][r.int(0, 2)];
      // Linear in log10(lr): spread evenly over the log range, the way it is sampled.
      return trial(i, { lr, opt, noise: r.random() }, d, [Math.log10(lr) + penalty[opt]]);
    });
    const got = byName(paramImportances(trials, { seed: 3 }));
    // Var over log10 lr uniform on [-5, -1] = 16/12; var of the penalty = 2/9.
    expect(got.lr).toBeGreaterThan(0.75);
    expect(got.opt).toBeGreaterThan(0.08);
    expect(got.noise).toBeLessThan(0.03);
  });

  it("is deterministic under a seed and independent of the order trials come in", () => {
    const trials = uniformTrials(120, (x, y, z) => Math.sin(6 * x) + y * z);
    const a = paramImportances(trials, { seed: 11 });
    const b = paramImportances([...trials].reverse(), { seed: 11 });
    expect(b).toEqual(a);
    const c = paramImportances(trials, { seed: 12 });
    expect(c).not.toEqual(a);
    expect(c.params[0].name).toBe(a.params[0].name);
  });

  it("gives the same answer when yielding to the event loop between trees", async () => {
    const trials = uniformTrials(80, (x, y) => x * y);
    expect(await paramImportancesAsync(trials, { seed: 4, nTrees: 16 })).toEqual(paramImportances(trials, { seed: 4, nTrees: 16 }));
  });

  it("uses COMPLETE trials with finite values over the params they all share", () => {
    const d = { x: float(0, 1), y: float(0, 1), fixed: float(2, 2) };
    const trials = [
      ...uniformTrials(60, (x) => 3 * x).map((t) => trial(t.number, { ...t.params, fixed: 2 }, { ...t.distributions, fixed: d.fixed }, t.values ? [...t.values] : null)),
      trial(60, { x: 0.5, y: 0.5, fixed: 2 }, d, [1e9], "PRUNED"),
      trial(61, { x: 0.5, y: 0.5, fixed: 2 }, d, null, "FAIL"),
      trial(62, { x: 0.1, y: 0.1, fixed: 2 }, d, [Number.NaN]),
      trial(63, { x: 0.9, y: 0.9, fixed: 2 }, d, [Infinity]),
      trial(64, { x: 0.5, y: 0.5, fixed: 2 }, d, [1.5]),
    ];
    const result = paramImportances(trials, { seed: 0 });
    expect(result.nTrials).toBe(61);
    // Trial 64 has no z, so z is not part of the space every COMPLETE trial shares.
    expect(result.params.map((p) => p.name).sort()).toEqual(["fixed", "x", "y"]);
    expect(byName(result).fixed).toBe(0);
    expect(byName(result).x).toBeGreaterThan(0.95);
  });

  it("answers zeros when there is nothing to explain", () => {
    const d = { x: float(0, 1) };
    expect(paramImportances([trial(0, { x: 0.3 }, d, [1])]).params).toEqual([{ name: "x", importance: 0, std: 0 }]);
    expect(paramImportances([])).toMatchObject({ params: [], nTrials: 0 });
    const flat = uniformTrials(30, () => 4);
    expect(paramImportances(flat).params.every((p) => p.importance === 0)).toBe(true);
  });

  it("explains the objective it is asked about", () => {
    const r = new SeededRandom(9);
    const d = { x: float(0, 1), y: float(0, 1) };
    const trials = Array.from({ length: 150 }, (_, i) => {
      const [x, y] = [r.random(), r.random()];
      return trial(i, { x, y }, d, [x, 10 * y]);
    });
    expect(paramImportances(trials, { objective: 0 }).params[0].name).toBe("x");
    expect(paramImportances(trials, { objective: 1 }).params[0].name).toBe("y");
  });
});
