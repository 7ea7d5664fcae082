import { describe, expect, it } from "vitest";
import { MedianPruner, PatientPruner, ThresholdPruner, type Pruner } from "hpo";
import { ask, running, trial, view } from "./history-builders.ts";

describe("ThresholdPruner", () => {
  it("prunes a latest value outside [lower, upper] or NaN, whatever the history", () => {
    const pruner = new ThresholdPruner({ lower: 0, upper: 1 });
    expect(ask(pruner, [], running(0, [0.5]))).toBe(false);
    expect(ask(pruner, [], running(0, [0.5, 1.01]))).toBe(true);
    expect(ask(pruner, [], running(0, [0.5, -0.01]))).toBe(true);
    expect(ask(pruner, [], running(0, [0.5, NaN]))).toBe(true);
    expect(ask(pruner, [], running(0, [2, 0.5]))).toBe(false);
    expect(ask(pruner, [], running(0, [0.5, Infinity]))).toBe(true);
  });

  it("takes one bound alone and ignores the direction", () => {
    expect(ask(new ThresholdPruner({ upper: 1 }), [], running(0, [-1e9]), "maximize")).toBe(false);
    expect(ask(new ThresholdPruner({ upper: 1 }), [], running(0, [2]), "maximize")).toBe(true);
    expect(ask(new ThresholdPruner({ lower: 1 }), [], running(0, [0]), "minimize")).toBe(true);
  });

  it("respects warm-up and interval", () => {
    const pruner = new ThresholdPruner({ upper: 1, nWarmupSteps: 2, intervalSteps: 2 });
    expect(ask(pruner, [], running(0, [5, 5]))).toBe(false);
    expect(ask(pruner, [], running(0, [5, 5, 5]))).toBe(true);
    expect(ask(pruner, [], running(0, [5, 5, 5, 5]))).toBe(false);
    expect(ask(pruner, [], running(0, { 0: 5, 1: 5, 2: 5, 5: 5 }))).toBe(true);
  });
});

/** A pruner that records whether it was asked and answers `answer`. */
function spy(answer: boolean): Pruner & { calls: number } {
  return {
    calls: 0,
    prune() {
      this.calls++;
      return answer;
    },
  };
}

describe("PatientPruner", () => {
  it("needs more than patience + 1 reports before it can tell a stall", () => {
    const pruner = new PatientPruner({ wrappedPruner: null, patience: 2 });
    expect(ask(pruner, [], running(0, [1, 2, 3]))).toBe(false);
    expect(ask(pruner, [], running(0, [1, 2, 3, 4]))).toBe(true);
  });

  it("prunes on a stall alone without a wrapped pruner, and only on a stall", () => {
    const pruner = new PatientPruner({ wrappedPruner: null, patience: 1 });
    expect(ask(pruner, [], running(0, [1, 0.9, 0.8]))).toBe(false);
    expect(ask(pruner, [], running(0, [1, 0.9, 0.95, 0.92]))).toBe(true);
    // Ties are not improvements but not stalls either: best before 0.9 < best after 0.9 is false.
    expect(ask(pruner, [], running(0, [1, 0.9, 0.95, 0.9]))).toBe(false);
  });

  it("asks the wrapped pruner only after a stall, and follows it", () => {
    const yes = spy(true);
    const patient = new PatientPruner({ wrappedPruner: yes, patience: 1 });
    expect(ask(patient, [], running(0, [1, 0.9, 0.8]))).toBe(false);
    expect(yes.calls).toBe(0);
    expect(ask(patient, [], running(0, [1, 0.9, 0.95, 0.92]))).toBe(true);
    expect(yes.calls).toBe(1);
    const no = new PatientPruner({ wrappedPruner: spy(false), patience: 1 });
    expect(ask(no, [], running(0, [1, 0.9, 0.95, 0.92]))).toBe(false);
  });

  it("counts only improvements larger than minDelta, in the study's direction", () => {
    const strict = new PatientPruner({ wrappedPruner: null, patience: 1, minDelta: 0.1 });
    // Minimizing, a stall is "best before + minDelta < best after": 0.9 + 0.1 < 0.85 is false,
    // 0.9 + 0.1 < 1.01 is true.
    expect(ask(strict, [], running(0, [1, 0.9, 0.85, 0.86]))).toBe(false);
    expect(ask(strict, [], running(0, [1, 0.9, 1.01, 1.02]))).toBe(true);
    const max = new PatientPruner({ wrappedPruner: null, patience: 1 });
    expect(ask(max, [], running(0, [0.1, 0.5, 0.4, 0.45]), "maximize")).toBe(true);
    expect(ask(max, [], running(0, [0.1, 0.5, 0.4, 0.55]), "maximize")).toBe(false);
  });

  it("skips NaN like NumPy's nanmin, and never prunes when a side is all NaN", () => {
    const pruner = new PatientPruner({ wrappedPruner: null, patience: 1 });
    expect(ask(pruner, [], running(0, [1, NaN, 1.5, NaN]))).toBe(true);
    expect(ask(pruner, [], running(0, [NaN, NaN, 1.5, 2]))).toBe(false);
    expect(ask(pruner, [], running(0, [1, 0.5, NaN, NaN]))).toBe(false);
  });

  it("works wrapped around the median rule in a study", () => {
    const five = [1, 2, 3, 4, 5].map((v, i) => trial(i, [v, v, v, v]));
    const pruner = new PatientPruner({ wrappedPruner: new MedianPruner(), patience: 1 });
    const stalledBad = running(5, [4, 3.5, 3.6, 3.7]);
    const stalledGood = running(5, [1, 0.5, 0.6, 0.7]);
    expect(pruner.prune(view([...five, stalledBad]), stalledBad)).toBe(true);
    expect(pruner.prune(view([...five, stalledGood]), stalledGood)).toBe(false);
  });
});
