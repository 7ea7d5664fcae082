/**
 * Golden tests against Optuna 3.1.0: fixtures written by scripts/golden/tpe_fixtures.py
 * (trial histories in; split, weights, kernel centres/widths and log-densities out).
 */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { type Distribution, type FrozenTrial, type StudyDirection } from "hpo";
import { distributionSchema } from "../../src/distributions/distribution-schema.ts";
import { studyViewOf } from "../../src/vocabulary/study-view.ts";
import { logGaussMass, truncatedNormalQuantile } from "../../samplers/tpe/parzen/normal/truncated-normal.ts";
import { logNdtr } from "../../samplers/tpe/parzen/normal/normal-functions.ts";
import { defaultGamma, hyperoptGamma } from "../../samplers/tpe/split/gamma.ts";
import { defaultWeights } from "../../samplers/tpe/parzen/default-weights.ts";
import { ObservationHistory } from "../../samplers/tpe/history/observation-history.ts";
import { splitSnapshot } from "../../samplers/tpe/split/split-trials.ts";
import { fitParzenPair } from "../../samplers/tpe/parzen-pair.ts";
import type { ParzenEstimator, ParzenSettings } from "../../samplers/tpe/parzen/parzen-estimator.ts";
import type { NumericKernels } from "../../samplers/tpe/parzen/kernels/mixture.ts";
import { parzenSettingsOf, resolveTPEOptions } from "../../samplers/tpe/tpe-options.ts";
import { frozenTrial } from "./study-harness.ts";

type Num = number | "NaN" | "Infinity" | "-Infinity";
const num = (v: Num): number => (typeof v === "number" ? v : Number(v));
const nums = (a: Num[]): number[] => a.map(num);

interface EstimatorJson {
  weights: Num[];
  params: Record<string, { mus?: Num[]; sigmas?: Num[]; categorical_weights?: Num[][] }>;
  log_pdf: Num[];
  log_pdf_optuna31: Num[];
}
interface CaseJson {
  name: string;
  directions: StudyDirection[];
  multivariate: boolean;
  constant_liar: boolean;
  settings: { consider_prior?: boolean; prior_weight?: number; consider_magic_clip?: boolean; consider_endpoints?: boolean };
  gamma: "default" | "hyperopt";
  search_space: Record<string, unknown>;
  trials: {
    number: number;
    state: FrozenTrial["state"];
    params: Record<string, number | string | boolean | null>;
    distributions: Record<string, unknown>;
    values?: Num[];
    intermediate?: [number, Num][];
  }[];
  n: number;
  n_below: number;
  below: number[];
  above: number[];
  estimators: {
    params: string[];
    below_numbers: number[];
    above_numbers: number[];
    below: EstimatorJson;
    above: EstimatorJson;
    points: Record<string, Num[]>;
  }[];
}

const fixtures = new URL("../fixtures/tpe/", import.meta.url);
const estimators = JSON.parse(readFileSync(new URL("estimators.json", fixtures), "utf8")) as { cases: CaseJson[] };
const functions = JSON.parse(readFileSync(new URL("functions.json", fixtures), "utf8")) as {
  gamma: Record<string, number>;
  hyperopt_gamma: Record<string, number>;
  weights: Record<string, Num[]>;
  log_ndtr: { x: Num[]; y: Num[] };
  log_gauss_mass: { a: number[]; b: number[]; y: Num[] };
  ppf: { a: number; b: number; q: number[]; x: Num[] }[];
};

function expectClose(actual: ArrayLike<number>, expected: readonly number[], tol: number, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (!Number.isFinite(e)) {
      expect(a, `${what}[${i}]`).toBe(e);
      continue;
    }
    const scale = Math.max(1, Math.abs(e));
    expect(Math.abs(a - e) / scale, `${what}[${i}]: ${a} vs ${e}`).toBeLessThanOrEqual(tol);
  }
}

function trialsOf(c: CaseJson): FrozenTrial[] {
  return c.trials.map((t) => {
    const distributions: Record<string, Distribution> = {};
    for (const [k, d] of Object.entries(t.distributions)) distributions[k] = distributionSchema.parse(d);
    const values = t.values ? nums(t.values) : null;
    return frozenTrial({
      number: t.number,
      trialId: t.number + 1,
      state: t.state,
      value: values ? values[0] : null,
      values,
      params: t.params,
      distributions,
      intermediateValues: new Map((t.intermediate ?? []).map(([s, v]) => [s, num(v)])),
    });
  });
}

/** The estimator settings of a case, through TPESampler's own options ("Optuna-exact" widths). */
function settingsOf(c: CaseJson, optuna31Kernels: boolean): ParzenSettings {
  const options = resolveTPEOptions({
    considerPrior: c.settings.consider_prior ?? true,
    priorWeight: c.settings.prior_weight ?? 1,
    considerMagicClip: c.settings.consider_magic_clip ?? true,
    considerEndpoints: c.settings.consider_endpoints ?? false,
    multivariate: c.multivariate,
    optuna31Kernels,
    // Optuna's widths; hpo's default "spread" narrows them (a documented deviation).
    multivariateBandwidth: "range",
  });
  return parzenSettingsOf(options);
}

function compareEstimator(pe: ParzenEstimator, json: EstimatorJson, names: string[], what: string): void {
  expectClose(pe.weights, nums(json.weights), 1e-12, `${what} weights`);
  names.forEach((name, d) => {
    const p = json.params[name];
    if (p.categorical_weights) {
      const rows = pe.categoricalWeights(d);
      expect(rows.length).toBe(p.categorical_weights.length);
      rows.forEach((row, i) => expectClose(row, nums(p.categorical_weights![i]), 1e-12, `${what} ${name} categorical row ${i}`));
    } else {
      const k = pe.kernels[d] as NumericKernels;
      expectClose(k.mus, nums(p.mus!), 1e-12, `${what} ${name} mus`);
      expectClose(k.sigmas, nums(p.sigmas!), 1e-12, `${what} ${name} sigmas`);
    }
  });
}

describe("TPE golden: Optuna 3.1.0 functions", () => {
  test("default gamma, hyperopt gamma and default weights", () => {
    for (const [n, g] of Object.entries(functions.gamma)) expect(defaultGamma(Number(n))).toBe(g);
    for (const [n, g] of Object.entries(functions.hyperopt_gamma)) expect(hyperoptGamma(Number(n))).toBe(g);
    for (const [n, w] of Object.entries(functions.weights)) expectClose(defaultWeights(Number(n)), nums(w), 1e-15, `weights(${n})`);
  });

  test("log Φ, log Gaussian mass and truncated-normal quantiles", () => {
    const { x, y } = functions.log_ndtr;
    expectClose(nums(x).map(logNdtr), nums(y), 1e-12, "logNdtr");
    const m = functions.log_gauss_mass;
    expectClose(
      m.a.map((a, i) => logGaussMass(a, m.b[i])),
      nums(m.y),
      1e-9,
      "logGaussMass",
    );
    for (const c of functions.ppf) {
      expectClose(
        c.q.map((q) => truncatedNormalQuantile(q, c.a, c.b)),
        nums(c.x),
        1e-9,
        `quantile on [${c.a}, ${c.b}]`,
      );
    }
  });
});

describe("TPE golden: Optuna 3.1.0 split and Parzen estimators", () => {
  for (const c of estimators.cases) {
    test(c.name, () => {
      const trials = trialsOf(c);
      const history = new ObservationHistory(c.constant_liar);
      const snap = history.snapshot(studyViewOf({ directions: c.directions, trials }));
      expect(snap.nFinished).toBe(c.n);
      const nBelow = (c.gamma === "hyperopt" ? hyperoptGamma : defaultGamma)(snap.nFinished);
      expect(nBelow).toBe(c.n_below);
      const marks = splitSnapshot(snap, nBelow);
      const numbers = snap.trials.map((t) => t.number);
      expect(numbers.filter((_, p) => marks[p])).toEqual(c.below);
      expect(numbers.filter((_, p) => !marks[p])).toEqual(c.above);
      for (const e of c.estimators) {
        const space: Record<string, Distribution> = {};
        for (const name of e.params) space[name] = distributionSchema.parse(c.search_space[name]);
        const points = e.params.map((name) => Float64Array.from(nums(e.points[name])));
        const size = points[0].length;
        for (const optuna31 of [false, true]) {
          const pair = fitParzenPair(snap, space, marks, settingsOf(c, optuna31));
          expect(Array.from(pair.belowPositions, (p) => numbers[p])).toEqual(e.below_numbers);
          expect(Array.from(pair.abovePositions, (p) => numbers[p])).toEqual(e.above_numbers);
          const label = `${e.params.join("+")}${optuna31 ? " (3.1 kernels)" : ""}`;
          compareEstimator(pair.below, e.below, e.params, `${label} below`);
          compareEstimator(pair.above, e.above, e.params, `${label} above`);
          for (const side of ["below", "above"] as const) {
            const out = new Float64Array(size);
            pair[side].logPdf(points, size, out);
            const expected = optuna31 ? e[side].log_pdf_optuna31 : e[side].log_pdf;
            expectClose(out, nums(expected), 1e-9, `${label} ${side} log pdf`);
          }
        }
      }
    });
  }
});
