/** The seeded RandomSampler: determinism, ranges, grids and uniformity. */
import { describe, expect, test } from "vitest";
import {
  categoricalDistribution,
  type Distribution,
  floatDistribution,
  intDistribution,
  RandomSampler,
} from "hpo";
import { containsInternal, toInternal } from "../../src/distributions/distribution-ops.ts";
import { studyViewOf } from "../../src/vocabulary/study-view.ts";
import { frozenTrial } from "./study-harness.ts";

const view = studyViewOf({ trials: [] });
const running = frozenTrial({ number: 0, state: "RUNNING" });

function draws(sampler: RandomSampler, d: Distribution, n: number) {
  return Array.from({ length: n }, () => sampler.sampleIndependent(view, running, "p", d));
}

const KINDS: Record<string, Distribution> = {
  float: floatDistribution(-2, 3),
  floatLog: floatDistribution(1e-4, 10, { log: true }),
  floatStep: floatDistribution(0, 1, { step: 0.1 }),
  int: intDistribution(-3, 7),
  intStep: intDistribution(0, 100, { step: 25 }),
  intLog: intDistribution(1, 1000, { log: true }),
  categorical: categoricalDistribution(["a", 2, null, false]),
};

describe("RandomSampler", () => {
  test("same seed, same draws; another seed, other draws", () => {
    for (const d of Object.values(KINDS)) {
      expect(draws(new RandomSampler({ seed: 3 }), d, 50)).toEqual(draws(new RandomSampler({ seed: 3 }), d, 50));
    }
    expect(draws(new RandomSampler({ seed: 3 }), KINDS.float, 20)).not.toEqual(draws(new RandomSampler({ seed: 4 }), KINDS.float, 20));
  });

  test("has no joint space", () => {
    const s = new RandomSampler({ seed: 1 });
    expect(s.inferRelativeSearchSpace()).toEqual({});
    expect(s.sampleRelative()).toEqual({});
  });

  test("every draw lies in its distribution, on its grid", () => {
    const s = new RandomSampler({ seed: 7 });
    for (const [kind, d] of Object.entries(KINDS)) {
      for (const v of draws(s, d, 500)) expect(containsInternal(d, toInternal(d, v)), `${kind}: ${String(v)}`).toBe(true);
    }
  });

  test("grids and choices are covered evenly (chi-square, fixed seed)", () => {
    const s = new RandomSampler({ seed: 11 });
    const check = (values: unknown[], categories: unknown[]) => {
      const counts = categories.map((c) => values.filter((v) => Object.is(v, c)).length);
      const expected = values.length / categories.length;
      const chi2 = counts.reduce((acc, c) => acc + (c - expected) ** 2 / expected, 0);
      // 99.9th percentile of chi-square with <= 10 degrees of freedom is below 30.
      expect(chi2).toBeLessThan(30);
    };
    check(draws(s, KINDS.int, 5000), [-3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7]);
    check(draws(s, KINDS.intStep, 5000), [0, 25, 50, 75, 100]);
    check(draws(s, KINDS.categorical, 5000), ["a", 2, null, false]);
    check(draws(s, KINDS.floatStep, 5000), [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
  });

  test("log ranges are uniform in log space", () => {
    const s = new RandomSampler({ seed: 5 });
    const logs = draws(s, KINDS.floatLog, 4000).map((v) => Math.log10(v as number));
    const below = logs.filter((v) => v < -1.5).length / logs.length; // midpoint of [-4, 1]
    expect(below).toBeGreaterThan(0.46);
    expect(below).toBeLessThan(0.54);
  });
});
