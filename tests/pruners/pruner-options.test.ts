import { describe, expect, it } from "vitest";
import {
  CatchUpPruner,
  HyperbandPruner,
  MedianPruner,
  PatientPruner,
  PercentilePruner,
  SuccessiveHalvingPruner,
  ThresholdPruner,
} from "hpo";
import { isPruner } from "../../src/pruners/pruner.ts";

/** Builds from untyped options, as a study file's JSON would. */
const build = <T>(ctor: new (o: never) => T, options: unknown): T => new ctor(options as never);

describe("pruner options are validated with messages that name the option", () => {
  it.each([
    [MedianPruner, { nWarmupSteps: -1 }, /MedianPruner: option "nWarmupSteps" must be >= 0 \(got -1\)/],
    [MedianPruner, { intervalSteps: 0 }, /option "intervalSteps" must be >= 1/],
    [MedianPruner, { nStartupTrials: 1.5 }, /option "nStartupTrials" must be an integer/],
    [MedianPruner, { nMinTrials: 0 }, /option "nMinTrials" must be >= 1/],
    [MedianPruner, { percentile: 30 }, /MedianPruner: .*percentile/],
    [PercentilePruner, {}, /PercentilePruner: option "percentile" is required/],
    [PercentilePruner, { percentile: 101 }, /option "percentile" must be between 0 and 100/],
    [SuccessiveHalvingPruner, { minResource: 0 }, /option "minResource" must be "auto" or an integer >= 1/],
    [SuccessiveHalvingPruner, { minResource: "soon" }, /option "minResource" must be "auto" or an integer >= 1/],
    [SuccessiveHalvingPruner, { reductionFactor: 1 }, /option "reductionFactor" must be >= 2/],
    [SuccessiveHalvingPruner, { minEarlyStoppingRate: -1 }, /option "minEarlyStoppingRate" must be >= 0/],
    [SuccessiveHalvingPruner, { bootstrapCount: 1 }, /bootstrapCount > 0 needs a fixed minResource/],
    [HyperbandPruner, { minResource: 5, maxResource: 4 }, /option "maxResource" must be >= minResource \(got 4\)/],
    [HyperbandPruner, { bootstrapCount: 2 }, /bootstrapCount > 0 needs a fixed maxResource/],
    [HyperbandPruner, { reductionFactor: 1.5 }, /option "reductionFactor" must be an integer/],
    [ThresholdPruner, {}, /ThresholdPruner: give lower, upper or both/],
    [ThresholdPruner, { lower: 2, upper: 1 }, /lower must not be greater than upper/],
    [ThresholdPruner, { upper: NaN }, /option "upper" must be a number \(got NaN\)/],
    [PatientPruner, { wrappedPruner: {}, patience: 1 }, /option "wrappedPruner" must be a Pruner/],
    [PatientPruner, { wrappedPruner: null, patience: -1 }, /option "patience" must be >= 0/],
    [PatientPruner, { wrappedPruner: null, patience: 1, minDelta: -0.1 }, /option "minDelta" must be >= 0/],
    [CatchUpPruner, { percentile: -5 }, /CatchUpPruner: option "percentile" must be between 0 and 100/],
    [CatchUpPruner, { nStartupTrials: 0 }, /option "nStartupTrials" must be >= 1/],
  ] as const)("%o rejects %o", (ctor, options, message) => {
    expect(() => build(ctor as new (o: never) => unknown, options)).toThrow(message);
  });

  it("accepts the defaults and Optuna's documented settings", () => {
    for (const p of [
      new MedianPruner(),
      new PercentilePruner({ percentile: 25, nStartupTrials: 5, nWarmupSteps: 30, intervalSteps: 10 }),
      new SuccessiveHalvingPruner(),
      new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 4, minEarlyStoppingRate: 0, bootstrapCount: 2 }),
      new HyperbandPruner(),
      new HyperbandPruner({ minResource: 1, maxResource: 20, reductionFactor: 3 }),
      new ThresholdPruner({ upper: 1 }),
      new PatientPruner({ wrappedPruner: new MedianPruner(), patience: 3, minDelta: 0.01 }),
      new CatchUpPruner(),
    ]) {
      expect(isPruner(p)).toBe(true);
    }
  });
});
