/**
 * The NumPy pieces behind "same seed, same proposals as Optuna": MT19937 seeded and drawn as
 * RandomState, argsort's order among ties, the pairwise sum, and Optuna 3.1.0's
 * RandomSampler over every distribution kind (fixtures from
 * scripts/golden/numpy_stream_fixtures.py).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createStudy, InMemoryStorage, RandomSampler } from "hpo";
import { MersenneTwister } from "../../src/numpy/mersenne-twister.ts";
import { numpyArgsort } from "../../src/numpy/argsort.ts";
import { fma, fmaExact, numpyLog } from "../../src/numpy/log.ts";
import { numpySum } from "../../src/numpy/pairwise-sum.ts";

interface Fixture {
  draws: { seed: number; first: number[]; at: Record<string, number> }[];
  argsort: { values: number[]; order: number[] }[];
  sum: { values: number[]; sum: number }[];
  log: { x: number[]; log: number[] };
  random_sampler: Record<string, number | string | boolean>[];
}

const fixture = JSON.parse(readFileSync(new URL("../fixtures/random/numpy-streams.json", import.meta.url), "utf8")) as Fixture;

describe("MersenneTwister", () => {
  it("draws RandomState(seed).random_sample()'s doubles bit for bit", () => {
    for (const { seed, first, at } of fixture.draws) {
      const mt = new MersenneTwister(seed);
      const xs = Array.from({ length: 2000 }, () => mt.random());
      expect(xs.slice(0, 5), `seed ${seed}`).toEqual(first);
      for (const [i, v] of Object.entries(at)) expect(xs[Number(i)], `seed ${seed} draw ${i}`).toBe(v);
    }
  });

  it("folds seeds NumPy would reject into distinct, repeatable streams", () => {
    const first = (seed: number) => new MersenneTwister(seed).random();
    expect(first(-1)).toBe(first(-1));
    expect(new Set([first(-1), first(2 ** 32), first(2 ** 40), first(0.5), first(0)]).size).toBe(5);
  });
});

describe("numpyArgsort", () => {
  // The last case (a 3,000-long pipe organ) exhausts the depth budget: heapsort orders many
  // of its partitions, ties included.
  it("orders ties exactly as numpy.argsort does (introsort: insertion sort below 16, heapsort past the depth limit)", () => {
    for (const { values, order } of fixture.argsort) {
      expect(Array.from(numpyArgsort(values)), `n = ${values.length}`).toEqual(order);
    }
  });
});

describe("numpySum", () => {
  it("adds as numpy.sum does (pairwise blocks of 8), to the last bit", () => {
    for (const { values, sum } of fixture.sum) expect(numpySum(values), `n = ${values.length}`).toBe(sum);
  });

  it("sums −0s to +0, as np.sum's reduction starts from +0 (one copy for TPE and the caption metrics)", () => {
    for (const n of [1, 3, 8, 9, 200]) expect(Object.is(numpySum(new Float64Array(n).fill(-0)), 0), `n = ${n}`).toBe(true);
    expect(Object.is(numpySum([]), 0)).toBe(true);
    expect(numpySum([0.1, 0.2, 0.3], 1)).toBe(0.2 + 0.3);
  });
});

describe("numpyLog", () => {
  it("rounds as NumPy's vectorised log does, but within 2^-14 of the reciprocal estimate's midpoints", () => {
    const { x, log } = fixture.log;
    const misses = x.flatMap((v, i) => (numpyLog(v) === log[i] ? [] : [i]));
    // Math.log rounds differently from NumPy here in about a quarter of cases; the port in
    // at most 0.1% (the CPU's reciprocal estimate is approximated), and then by one ulp.
    expect(x.filter((v, i) => Math.log(v) !== log[i]).length).toBeGreaterThan(x.length / 10);
    expect(misses.length).toBeLessThanOrEqual(x.length / 1000);
    for (const i of misses) expect(Math.abs(numpyLog(x[i]) - log[i])).toBeLessThanOrEqual(2 * Number.EPSILON * Math.abs(log[i]));
  });

  it("falls back to Math.log outside the normal positive range", () => {
    for (const v of [0, -1, Infinity, Number.NaN, 1e-310]) expect(Object.is(numpyLog(v), Math.log(v))).toBe(true);
  });

  it("fma rounds a·b + c once", () => {
    // (1 + 2^-30)^2 - 1 = 2^-29 + 2^-60: a separate multiply would lose the 2^-60.
    const a = 1 + 2 ** -30;
    expect(fma(a, a, -1)).toBe(2 ** -29 + 2 ** -60);
    expect(a * a - 1).toBe(2 ** -29);
    // Ties go to even: 1 + 2^-53 is halfway between 1 and the next double.
    expect(fma(1, 1, 2 ** -53)).toBe(1);
    expect(fma(1 + 2 ** -52, 1, 2 ** -53)).toBe(1 + 2 * 2 ** -52);
    expect(fma(3, -2, 6)).toBe(0);
  });

  it("fma's fast path gives the exact path's double, near ties and cancellations included", () => {
    const mt = new MersenneTwister(21);
    const u = () => mt.random();
    const shapes: (() => [number, number, number])[] = [
      // numpyLog's own: r · m - 1 with r a multiple of 1/32.
      () => [Math.round(32 / (1 + u())) / 32, 1 + u(), -1],
      () => [(u() - 0.5) * 2 ** (u() * 80 - 40), (u() - 0.5) * 2 ** (u() * 80 - 40), (u() - 0.5) * 2 ** (u() * 80 - 40)],
      // c cancels a·b to within a few ulps.
      () => {
        const a = u();
        const b = u();
        return [a, b, -a * b * (1 + (u() - 0.5) * 2 ** -50)];
      },
      // Exact products (26 + 27 bits) plus c on the 2^-53 grid: exact ties to even.
      () => [1 + Math.floor(u() * 2 ** 26) * 2 ** -26, 1 + Math.floor(u() * 2 ** 27) * 2 ** -27, 2 ** -53 * Math.floor(u() * 4) - 1],
      // a·b = 128 - tiny against c with an odd last bit and a half-ulp of 128: p + c is a tie
      // that a·b's lost tail breaks (naive double-double rounds it to even, the wrong way).
      () => {
        const m = 1 + Math.floor(u() * 7);
        const sign = u() < 0.5 ? 1 : -1;
        return [sign * (1 + m * 2 ** -30), 128 * (1 - m * 2 ** -30), sign * (2 ** 60 + (2 * Math.floor(u() * 2 ** 20) + 1) * 2 ** 8)];
      },
      // The same just below a power of two, where the gap under r is half the one above.
      () => {
        const m = 1 + Math.floor(u() * 7);
        const scale = 2 ** Math.floor(u() * 40 - 20);
        return [1 + m * 2 ** -30, 64 * scale * (1 - m * 2 ** -30), (2 ** 60 - 128) * scale];
      },
      // Tiny, huge and zero operands go the exact way.
      () => [u() * 2 ** -600, u(), u() * 2 ** -1000],
      () => [u() * 2 ** 700, u() * 2 ** 300, -u() * 2 ** 1000],
      () => [0, u(), u() < 0.5 ? 0 : -0],
    ];
    const misses: string[] = [];
    for (let i = 0; i < 70_000; i++) {
      const [a, b, c] = shapes[i % shapes.length]();
      if (!Object.is(fma(a, b, c), fmaExact(a, b, c))) misses.push(`fma(${a}, ${b}, ${c})`);
    }
    expect(misses.slice(0, 5)).toEqual([]);
  });
});

describe("RandomSampler", () => {
  it("with a seed, suggests what Optuna 3.1.0's RandomSampler suggests with that seed", async () => {
    const study = await createStudy({ storage: new InMemoryStorage(), sampler: new RandomSampler({ seed: 7 }) });
    await study.optimize(
      (t) => {
        t.suggestFloat("uniform", -2, 3);
        t.suggestFloat("log", 1e-5, 1e-1, { log: true });
        t.suggestFloat("step", 0, 1, { step: 0.1 });
        t.suggestInt("int", -3, 9);
        t.suggestInt("int_step", 16, 256, { step: 16 });
        t.suggestInt("int_log", 1, 1000, { log: true });
        t.suggestCategorical("cat", ["a", "b", "c", "d"]);
        t.suggestCategorical("flag", [true, false]);
        return 0;
      },
      { nTrials: fixture.random_sampler.length },
    );
    const trials = await study.trials();
    fixture.random_sampler.forEach((expected, i) => {
      for (const [name, v] of Object.entries(expected)) {
        const got = trials[i].params[name];
        if (typeof v === "number") expect(Math.abs((got as number) - v), `trial ${i} ${name}: ${String(got)} vs ${v}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(v)));
        else expect(got, `trial ${i} ${name}`).toBe(v);
      }
    });
  });
});
