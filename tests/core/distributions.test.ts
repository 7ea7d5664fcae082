import { describe, expect, it } from "vitest";
import { categoricalDistribution, DistributionError, floatDistribution, intDistribution } from "hpo";
import { containsInternal, toExternal, toInternal } from "../../src/distributions/distribution-ops.ts";
import { distributionSchema } from "../../src/distributions/distribution-schema.ts";

describe("float distributions", () => {
  it("accepts valid ranges and snaps high onto the step grid", () => {
    expect(floatDistribution(0, 1)).toEqual({ type: "float", low: 0, high: 1, log: false, step: null });
    expect(floatDistribution(1e-5, 1e-2, { log: true }).log).toBe(true);
    expect(floatDistribution(0, 1, { step: 0.3 }).high).toBeCloseTo(0.9, 12);
    expect(floatDistribution(2, 2).high).toBe(2);
  });

  it.each([
    [() => floatDistribution(1, 0), /low must be <= high/],
    [() => floatDistribution(0, 1, { log: true }), /log=true needs low > 0/],
    [() => floatDistribution(-1, 1, { log: true }), /log=true needs low > 0/],
    [() => floatDistribution(0.1, 1, { log: true, step: 0.1 }), /step is not supported with log/],
    [() => floatDistribution(0, 1, { step: 0 }), /step must be > 0/],
    [() => floatDistribution(0, 1, { step: -0.1 }), /step must be > 0/],
    [() => floatDistribution(Number.NaN, 1), /low must be a finite number/],
    [() => floatDistribution(0, Infinity), /high must be a finite number/],
  ])("rejects invalid input %#", (make, message) => {
    expect(make).toThrow(DistributionError);
    expect(make).toThrow(message);
  });

  it("names the parameter in errors", () => {
    expect(() => floatDistribution(1, 0, {}, "lr")).toThrow(/parameter "lr": low must be <= high/);
  });
});

describe("int distributions", () => {
  it("defaults step to 1 and snaps high", () => {
    expect(intDistribution(0, 10)).toEqual({ type: "int", low: 0, high: 10, log: false, step: 1 });
    expect(intDistribution(0, 10, { step: 3 }).high).toBe(9);
    expect(intDistribution(1, 64, { log: true }).log).toBe(true);
  });

  it.each([
    [() => intDistribution(0.5, 2), /must be integers/],
    [() => intDistribution(0, 2.5), /must be integers/],
    [() => intDistribution(3, 2), /low must be <= high/],
    [() => intDistribution(0, 10, { log: true }), /log=true needs low >= 1/],
    [() => intDistribution(1, 10, { log: true, step: 2 }), /step is not supported with log/],
    [() => intDistribution(0, 10, { step: 0 }), /step must be > 0/],
    [() => intDistribution(0, 10, { step: 1.5 }), /step must be an integer/],
  ])("rejects invalid input %#", (make, message) => {
    expect(make).toThrow(DistributionError);
    expect(make).toThrow(message);
  });
});

describe("categorical distributions", () => {
  it("accepts strings, numbers, booleans and null", () => {
    const d = categoricalDistribution(["a", 1, true, null]);
    expect(d.choices).toEqual(["a", 1, true, null]);
    expect(toInternal(d, null)).toBe(3);
    expect(toExternal(d, 2)).toBe(true);
  });

  it("rejects empty lists and objects", () => {
    expect(() => categoricalDistribution([])).toThrow(/non-empty/);
    expect(() => categoricalDistribution([{}] as never)).toThrow(/string, number, boolean or null/);
    expect(() => categoricalDistribution([undefined] as never)).toThrow(/got undefined/);
  });

  it("rejects values that are not a choice", () => {
    expect(() => toInternal(categoricalDistribution(["a"]), "b")).toThrow(/not one of the choices/);
  });
});

describe("internal representation", () => {
  it("checks containment on the grid", () => {
    const f = floatDistribution(0, 1, { step: 0.25 });
    expect(containsInternal(f, 0.5)).toBe(true);
    expect(containsInternal(f, 0.3)).toBe(false);
    const i = intDistribution(0, 10, { step: 2 });
    expect(containsInternal(i, 4)).toBe(true);
    expect(containsInternal(i, 5)).toBe(false);
    expect(containsInternal(i, 12)).toBe(false);
  });

  it("validates stored distributions with zod and Optuna's rules", () => {
    expect(distributionSchema.parse({ type: "float", low: 0, high: 1 })).toEqual(floatDistribution(0, 1));
    const bad = distributionSchema.safeParse({ type: "float", low: 0, high: 1, log: true });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0].message).toMatch(/log=true needs low > 0/);
    expect(distributionSchema.safeParse({ type: "int", low: 0.5, high: 2 }).success).toBe(false);
    expect(distributionSchema.safeParse({ type: "normal", mean: 0 }).success).toBe(false);
  });
});
