/**
 * The fast log-density forms (windowed sweep, merged discrete kernels, grid tables, coded
 * categorical and grid dimensions, skipped negligible terms) against the plain mixture sum
 * of reference-log-density.ts, on histories far larger than the golden fixtures.
 */
import { describe, expect, test } from "vitest";
import { categoricalDistribution, type Distribution, floatDistribution, intDistribution } from "hpo";
import { SeededRandom } from "../../src/random/seeded-random.ts";
import { kernelSpaceOf, toKernel } from "../../samplers/tpe/parzen/kernels/kernel-space.ts";
import { ParzenEstimator } from "../../samplers/tpe/parzen/parzen-estimator.ts";
import { referenceLogPdf } from "../../samplers/tpe/parzen/log-density/reference-log-density.ts";
import { defaultWeights } from "../../samplers/tpe/parzen/default-weights.ts";
import { firstArgmax } from "../../samplers/tpe/parzen/log-density/best-ratio.ts";
import { MersenneTwister } from "../../src/numpy/index.ts";

function draw(rng: SeededRandom, d: Distribution, clustered: boolean): number {
  if (d.type === "categorical") return rng.int(0, d.choices.length - 1);
  if (d.type === "int") return d.low + rng.int(0, (d.high - d.low) / d.step) * d.step;
  if (d.log) return Math.exp(rng.uniform(Math.log(d.low), Math.log(d.high)));
  // Half the points in a tight cluster, as TPE histories are: many narrow kernels there.
  const u = clustered && rng.random() < 0.5 ? 0.3 + 0.01 * rng.random() : rng.random();
  return d.low + (d.high - d.low) * u;
}

function check(dists: Distribution[], n: number, multivariate: boolean, exact: boolean, seed: number): void {
  const rng = new SeededRandom(seed);
  const spaces = dists.map(kernelSpaceOf);
  const obs = dists.map((d, k) => Float64Array.from({ length: n }, () => toKernel(spaces[k], draw(rng, d, true))));
  const settings = { considerPrior: true, priorWeight: 1, considerMagicClip: true, considerEndpoints: false, weights: defaultWeights, multivariate, optuna31Kernels: !exact, multivariateBandwidth: "spread" as const };
  const pe = new ParzenEstimator(obs, spaces, settings);
  const size = 30;
  const points = dists.map((d) => Float64Array.from({ length: size }, () => draw(rng, d, true)));
  const out = new Float64Array(size);
  pe.logPdf(points, size, out);
  for (let j = 0; j < size; j++) {
    const ref = referenceLogPdf(pe, points.map((p) => p[j]), exact);
    expect(Math.abs(out[j] - ref), `point ${j}: ${out[j]} vs ${ref}`).toBeLessThan(1e-10 * Math.max(1, Math.abs(ref)));
  }
}

describe("compiled mixture log-density equals the plain sum", () => {
  for (const exact of [false, true]) {
    test(`one continuous parameter, 3000 kernels (${exact ? "normalised" : "Optuna 3.1"} kernels)`, () => {
      check([floatDistribution(-5, 10)], 3000, false, exact, 1);
      check([floatDistribution(1e-5, 1, { log: true })], 3000, false, exact, 2);
      check([floatDistribution(0, 1)], 40, false, exact, 3);
    });
  }

  test("one discrete parameter, 3000 kernels", () => {
    check([intDistribution(1, 20)], 3000, false, true, 4);
    check([intDistribution(0, 5000)], 3000, false, true, 5);
    check([floatDistribution(0, 1, { step: 0.05 })], 3000, false, true, 6);
    check([intDistribution(1, 1000, { log: true })], 3000, false, true, 7);
  });

  test("one categorical parameter", () => {
    check([categoricalDistribution(["a", "b", "c", "d"])], 3000, false, true, 8);
  });

  for (const multivariate of [true, false]) {
    test(`a joint mixed space, 2000 kernels (multivariate widths: ${multivariate})`, () => {
      const space = [
        floatDistribution(1e-6, 1e-2, { log: true }),
        categoricalDistribution([4, 8, 16, 32, 64]),
        floatDistribution(0, 0.3),
        intDistribution(1, 20),
        floatDistribution(0, 1, { step: 0.1 }),
      ];
      check(space, 2000, multivariate, false, 9);
      check(space, 2000, multivariate, true, 10);
    });
  }

  test("joint spaces that pack categorical and grid codes differently", () => {
    // Many choices: several code groups at 2,000 kernels, one dimension per group at 25.
    const wide = [
      categoricalDistribution(Array.from({ length: 12 }, (_, i) => i)),
      categoricalDistribution(["a", "b", "c"]),
      categoricalDistribution(Array.from({ length: 30 }, (_, i) => `c${i}`)),
      intDistribution(1, 20),
      floatDistribution(0, 1),
    ];
    check(wide, 2000, true, false, 11);
    check(wide, 25, true, true, 12);
    // A grid too large to tabulate: every kernel is evaluated term by term.
    check([intDistribution(0, 50000), floatDistribution(-1, 1), categoricalDistribution([1, 2])], 2000, true, false, 13);
    // No continuous dimension at all.
    check([intDistribution(1, 9), categoricalDistribution(["x", "y", "z"])], 500, true, false, 14);
  });
});


/**
 * TPE's proposal on a joint space: l fitted to a few clustered observations, g to all of
 * them, 48 candidates drawn from l; g.bestRatio must pick what scoring every candidate
 * picks (np.argmax: the first of equal scores), also with ties, NaN and -∞ numerators.
 */
function checkBestRatio(dists: Distribution[], n: number, seed: number): void {
  const rng = new SeededRandom(seed);
  const spaces = dists.map(kernelSpaceOf);
  const obs = dists.map((d, k) => Float64Array.from({ length: n }, () => toKernel(spaces[k], draw(rng, d, true))));
  const settings = { considerPrior: true, priorWeight: 1, considerMagicClip: true, considerEndpoints: false, weights: defaultWeights, multivariate: true, optuna31Kernels: false, multivariateBandwidth: "spread" as const };
  const g = new ParzenEstimator(obs, spaces, settings);
  const l = new ParzenEstimator(obs.map((o) => o.slice(0, Math.min(25, n))), spaces, settings);
  const mt = new MersenneTwister(seed);
  const size = 48;
  for (let round = 0; round < 12; round++) {
    const points = dists.map(() => new Float64Array(size));
    l.sample(mt, size, points);
    const logL = new Float64Array(size);
    l.logPdf(points, size, logL);
    if (round % 4 === 1) logL[round % size] = Number.NaN;
    if (round % 4 === 2) logL.fill(-Infinity, 0, size >> 1);
    const logG = new Float64Array(size);
    g.logPdf(points, size, logG);
    const scores = Float64Array.from(logL, (v, j) => v - logG[j]);
    const plain = firstArgmax(scores, size);
    expect(g.bestRatio(points, size, logL), `round ${round}`).toBe(plain);
    if (round % 4 === 3) {
      // The winner again at an earlier and a later position: the earlier copy must win.
      const at = plain === 0 ? 1 : 0;
      for (const p of points) p[at] = p[size - 1] = p[plain];
      logL[at] = logL[size - 1] = logL[plain];
      expect(g.bestRatio(points, size, logL), `round ${round}, tied`).toBe(Math.min(at, plain));
    }
  }
}

describe("the joint best-ratio search picks what scoring every candidate picks", () => {
  test("mixed spaces, from 30 to 5,000 kernels", () => {
    const mixed = [
      floatDistribution(1e-6, 1e-2, { log: true }),
      categoricalDistribution([4, 8, 16, 32, 64]),
      floatDistribution(0, 0.3),
      intDistribution(1, 20),
      categoricalDistribution(["a", "b", "c"]),
    ];
    checkBestRatio(mixed, 5000, 21);
    checkBestRatio(mixed, 1000, 22);
    checkBestRatio(mixed, 30, 23);
    checkBestRatio([floatDistribution(-5, 10), floatDistribution(0, 1)], 3000, 24);
    // Term by term: a grid too large to tabulate.
    checkBestRatio([intDistribution(0, 50000), floatDistribution(-1, 1)], 2000, 25);
  });
});
