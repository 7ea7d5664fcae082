import { describe, expect, it } from "vitest";
import { MedianPruner, PercentilePruner } from "hpo";
import { studyViewOf } from "../../src/vocabulary/study-view.ts";
import { ask, running, trial, view } from "./history-builders.ts";

/** Five completed curves whose values at every step are 1, 2, 3, 4, 5 (median 3). */
const five = [1, 2, 3, 4, 5].map((v, i) => trial(i, [v, v, v, v, v, v]));

describe("MedianPruner", () => {
  it("prunes a trial whose best value is worse than the median at its step, keeps one at or better", () => {
    const pruner = new MedianPruner();
    expect(ask(pruner, five, running(5, [3.5]))).toBe(true);
    expect(ask(pruner, five, running(5, [3]))).toBe(false);
    expect(ask(pruner, five, running(5, [2.9]))).toBe(false);
  });

  it("judges the best value so far, not the latest", () => {
    const pruner = new MedianPruner();
    expect(ask(pruner, five, running(5, [2, 9]))).toBe(false);
    expect(ask(pruner, five, running(5, [9, 9]))).toBe(true);
  });

  it("waits for nStartupTrials completed trials (pruned and failed ones do not count)", () => {
    const pruner = new MedianPruner({ nStartupTrials: 5 });
    const four = five.slice(0, 4);
    const others = [trial(10, [0, 0], "PRUNED"), trial(11, [0], "FAIL")];
    expect(ask(pruner, [...four, ...others], running(12, [100]))).toBe(false);
    expect(ask(pruner, five, running(12, [100]))).toBe(true);
  });

  it("never prunes without any completed trial, even with nStartupTrials 0", () => {
    expect(ask(new MedianPruner({ nStartupTrials: 0 }), [], running(0, [100]))).toBe(false);
  });

  it("does not prune before nWarmupSteps", () => {
    const pruner = new MedianPruner({ nWarmupSteps: 3 });
    expect(ask(pruner, five, running(5, [9, 9, 9]))).toBe(false); // last step 2
    expect(ask(pruner, five, running(5, [9, 9, 9, 9]))).toBe(true); // last step 3
  });

  it("checks only at the first reported step of each interval, postponing a missed check", () => {
    const pruner = new MedianPruner({ intervalSteps: 3 });
    // Checks at 0, 3, 6: step 4 follows a reported step 3, so it is not a check.
    expect(ask(pruner, five, running(5, { 0: 9, 1: 9, 2: 9, 3: 9, 4: 9 }))).toBe(false);
    expect(ask(pruner, five, running(5, { 0: 9, 1: 9, 2: 9, 3: 9 }))).toBe(true);
    // Step 3 was never reported: step 4 takes its check.
    expect(ask(pruner, five, running(5, { 0: 9, 1: 9, 2: 9, 4: 9 }))).toBe(true);
    // Warm-up offsets the interval: checks at 2, 5.
    const offset = new MedianPruner({ nWarmupSteps: 2, intervalSteps: 3 });
    expect(ask(offset, five, running(5, [9, 9, 9]))).toBe(true);
    expect(ask(offset, five, running(5, [9, 9, 9, 9]))).toBe(false);
    expect(ask(offset, five, running(5, [9, 9, 9, 9, 9, 9]))).toBe(true);
  });

  it("does not prune at a step fewer than nMinTrials completed trials reported", () => {
    const short = [trial(0, [1]), trial(1, [1]), trial(2, [1, 1, 1]), trial(3, [1, 1, 1]), trial(4, [1, 1, 1])];
    expect(ask(new MedianPruner({ nMinTrials: 3 }), short, running(5, [9, 9, 9]))).toBe(true);
    expect(ask(new MedianPruner({ nMinTrials: 4 }), short, running(5, [9, 9, 9]))).toBe(false);
    // No completed trial reached the step at all: nothing to compare with.
    expect(ask(new MedianPruner(), short, running(5, [1, 1, 1, 9]))).toBe(false);
  });

  it("flips with the direction", () => {
    const pruner = new MedianPruner();
    expect(ask(pruner, five, running(5, [3.5]), "minimize")).toBe(true);
    expect(ask(pruner, five, running(5, [3.5]), "maximize")).toBe(false);
    expect(ask(pruner, five, running(5, [2.5]), "maximize")).toBe(true);
    // Maximizing, the best so far is the largest value.
    expect(ask(pruner, five, running(5, [4, 0]), "maximize")).toBe(false);
  });

  it("prunes a trial that only reported NaN, and ignores NaN elsewhere as NumPy's nan-functions do", () => {
    const pruner = new MedianPruner();
    expect(ask(pruner, five, running(5, [NaN, NaN]))).toBe(true);
    // A NaN latest value with a good earlier one: judged by the good one.
    expect(ask(pruner, five, running(5, [1, NaN]))).toBe(false);
    // Completed NaNs drop out of the median (of 1, 2 here: 1.5) ...
    const withNaN = [trial(0, [1]), trial(1, [2]), trial(2, [NaN]), trial(3, [NaN]), trial(4, [NaN])];
    expect(ask(pruner, withNaN, running(5, [1.6]))).toBe(true);
    expect(ask(pruner, withNaN, running(5, [1.5]))).toBe(false);
    // ... but still count towards nMinTrials; all-NaN columns never prune.
    expect(ask(new MedianPruner({ nMinTrials: 5 }), withNaN, running(5, [1.6]))).toBe(true);
    const allNaN = [0, 1, 2, 3, 4].map((i) => trial(i, [NaN]));
    expect(ask(pruner, allNaN, running(5, [100]))).toBe(false);
  });

  it("handles infinities like NumPy's percentile (NaN median next to inf: no prune)", () => {
    const pruner = new MedianPruner({ nStartupTrials: 1 });
    const inf = [trial(0, [1]), trial(1, [Infinity])];
    // median of [1, inf]: 1 + (inf - 1) * 0.5 computed as inf - (inf - 1) * 0.5 = NaN.
    expect(ask(pruner, inf, running(2, [1e300]))).toBe(false);
    // NumPy also gives NaN for [1, 2, inf] (gamma 0 times inf) but 2.5 for [1, 2, 3, inf].
    const three = [trial(0, [1]), trial(1, [2]), trial(2, [Infinity])];
    expect(ask(pruner, three, running(3, [2.6]))).toBe(false);
    const four = [...three, trial(3, [3])];
    expect(ask(pruner, four, running(4, [2.6]))).toBe(true);
    expect(ask(pruner, four, running(4, [2.5]))).toBe(false);
    expect(ask(pruner, four, running(4, [-Infinity]))).toBe(false);
  });

  it("refuses multi-objective studies", () => {
    const study = studyViewOf({ directions: ["minimize", "maximize"], trials: [...five, running(5, [1])] });
    expect(() => new MedianPruner().prune(study, running(5, [1]))).toThrow(/multi-objective/);
  });
});

describe("PercentilePruner", () => {
  it("keeps the top percentile: 25 is stricter than 75", () => {
    // Values 1..5 at the step: 25th percentile 2, 75th 4.
    expect(ask(new PercentilePruner({ percentile: 25 }), five, running(5, [2.5]))).toBe(true);
    expect(ask(new PercentilePruner({ percentile: 75 }), five, running(5, [2.5]))).toBe(false);
    expect(ask(new PercentilePruner({ percentile: 75 }), five, running(5, [4.5]))).toBe(true);
  });

  it("mirrors the percentile when maximizing", () => {
    // Maximizing with percentile 25 keeps the top 25%: threshold is the 75th percentile, 4.
    expect(ask(new PercentilePruner({ percentile: 25 }), five, running(5, [3.9]), "maximize")).toBe(true);
    expect(ask(new PercentilePruner({ percentile: 25 }), five, running(5, [4]), "maximize")).toBe(false);
  });

  it("interpolates linearly between order statistics", () => {
    // 10th percentile of 1..5 is 1.4.
    expect(ask(new PercentilePruner({ percentile: 10 }), five, running(5, [1.41]))).toBe(true);
    expect(ask(new PercentilePruner({ percentile: 10 }), five, running(5, [1.39]))).toBe(false);
    // 0 and 100 are the extremes.
    expect(ask(new PercentilePruner({ percentile: 0 }), five, running(5, [1.01]))).toBe(true);
    expect(ask(new PercentilePruner({ percentile: 100 }), five, running(5, [5]))).toBe(false);
    expect(ask(new PercentilePruner({ percentile: 100 }), five, running(5, [5.01]))).toBe(true);
  });

  it("keeps its per-step index right as trials complete, and across studies of the same name", () => {
    const pruner = new PercentilePruner({ percentile: 50, nStartupTrials: 1 });
    const history = [trial(0, [1, 1])];
    expect(pruner.prune(view([...history, running(1, [1.5, 1.5])]), running(1, [1.5, 1.5]))).toBe(true);
    history.push(trial(1, [3, 3]), trial(2, [4, 4]));
    // Median now 3: 1.5 is fine.
    expect(pruner.prune(view([...history, running(3, [1.5, 1.5])]), running(3, [1.5, 1.5]))).toBe(false);
    // Another study that reuses the name and the numbers, with other values.
    const other = [trial(0, [0, 0]), trial(1, [0, 0]), trial(2, [1, 1])];
    expect(pruner.prune(view([...other, running(3, [1.5, 1.5])]), running(3, [1.5, 1.5]))).toBe(true);
    // A fresh snapshot of the same finished trials answers the same.
    const copies = other.map((t) => ({ ...t, intermediateValues: new Map(t.intermediateValues) }));
    expect(pruner.prune(view([...copies, running(3, [1.5, 1.5])]), running(3, [1.5, 1.5]))).toBe(true);
  });
});
