/** The inlined exp of the log-density sums against Math.exp. */
import { expect, test } from "vitest";
import { SeededRandom } from "../../src/random/seeded-random.ts";
import { expNonPositive } from "../../samplers/tpe/parzen/normal/exp-nonpositive.ts";

test("expNonPositive agrees with Math.exp to 5e-16 (relative) down to -708", () => {
  const rng = new SeededRandom(3);
  let worst = 0;
  for (let i = 0; i < 200_000; i++) {
    const x = i % 2 ? -40 * rng.random() : -708 * rng.random();
    const e = Math.exp(x);
    worst = Math.max(worst, Math.abs(expNonPositive(x) - e) / e);
  }
  expect(worst).toBeLessThan(5e-16);
  for (const x of [0, -0, -1e-300, -Math.LN2, -37, -708]) expect(Math.abs(expNonPositive(x) - Math.exp(x)) / Math.exp(x)).toBeLessThan(5e-16);
});

test("expNonPositive underflows to 0 and passes NaN through", () => {
  expect(expNonPositive(-746)).toBe(0);
  expect(expNonPositive(-Infinity)).toBe(0);
  expect(expNonPositive(Number.NaN)).toBeNaN();
});
