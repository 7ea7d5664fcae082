/**
 * The fast truncation normaliser of a kernel centred in its domain (a Taylor table of Φ)
 * against SciPy's values in the golden fixtures and against the erfc route on random
 * centred intervals: the same log mass to an absolute 1e-15 (what adding it to a kernel's
 * log weight can resolve).
 */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { SeededRandom } from "../../src/random/seeded-random.ts";
import { logDomainMass } from "../../samplers/tpe/parzen/normal/centred-mass.ts";
import { logGaussMass } from "../../samplers/tpe/parzen/normal/truncated-normal.ts";

const functions = JSON.parse(readFileSync(new URL("../fixtures/tpe/functions.json", import.meta.url), "utf8")) as {
  log_gauss_mass: { a: number[]; b: number[]; y: (number | string)[] };
};

describe("logDomainMass", () => {
  test("matches SciPy's log Gaussian mass on the fixtures' intervals", () => {
    const { a, b, y } = functions.log_gauss_mass;
    for (let i = 0; i < a.length; i++) {
      const expected = Number(y[i]);
      const actual = logDomainMass(a[i], b[i]);
      if (!Number.isFinite(expected)) expect(actual).toBe(expected);
      else expect(Math.abs(actual - expected), `[${a[i]}, ${b[i]}]`).toBeLessThan(1e-12 * Math.max(1, Math.abs(expected)));
    }
  });

  test("matches the erfc route to 1e-15 on centred intervals from 1 to 200 widths wide", () => {
    const rng = new SeededRandom(3);
    for (let k = 0; k < 20000; k++) {
      const width = k % 2 ? 1 + 19 * rng.random() : 1 + 199 * rng.random();
      const c = rng.random();
      const [a, b] = [-c * width, (1 - c) * width];
      expect(Math.abs(logDomainMass(a, b) - logGaussMass(a, b)), `[${a}, ${b}]`).toBeLessThan(1e-15);
    }
  });
});
