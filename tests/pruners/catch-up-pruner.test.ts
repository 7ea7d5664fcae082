import { describe, expect, it } from "vitest";
import { CatchUpPruner } from "hpo";
import { ask, running, trial } from "./history-builders.ts";

// Finished curves (steps 0..3): a fast learner that levels off and a slow one that ends best.
const fast = (n: number) => trial(n, [0.5, 0.45, 0.44, 0.44]);
const slow = (n: number) => trial(n, [0.9, 0.7, 0.5, 0.3]);
const history = [fast(0), fast(1), slow(2), fast(3), slow(4)];

describe("CatchUpPruner", () => {
  it("keeps a slow starter that a completed trial shows can still catch up", () => {
    // Median final 0.44; the slow curve gained 0.6 from step 0: 0.95 - 0.6 = 0.35 < 0.44.
    expect(ask(new CatchUpPruner(), history, running(5, [0.95]))).toBe(false);
  });

  it("prunes a trial that cannot reach the target even with the largest gain seen from its step", () => {
    // From step 2 the largest gain is 0.2 (0.5 -> 0.3): 0.7 - 0.2 = 0.5 > 0.44.
    expect(ask(new CatchUpPruner(), history, running(5, [0.95, 0.8, 0.7]))).toBe(true);
    // From step 3 nothing more is gained: anything worse than the target goes.
    expect(ask(new CatchUpPruner(), history, running(5, [0.95, 0.8, 0.6, 0.45]))).toBe(true);
    expect(ask(new CatchUpPruner(), history, running(5, [0.95, 0.8, 0.6, 0.44]))).toBe(false);
  });

  it("uses the given percentile of completed final values as the target", () => {
    // Finals 0.3, 0.3, 0.44, 0.44, 0.44; percentile 0 targets the best (0.3).
    expect(ask(new CatchUpPruner({ percentile: 0 }), history, running(5, [0.95, 0.8, 0.45, 0.35]))).toBe(true);
    expect(ask(new CatchUpPruner({ percentile: 50 }), history, running(5, [0.95, 0.8, 0.45, 0.35]))).toBe(false);
  });

  it("waits for nStartupTrials and nWarmupSteps, and for a completed trial at the step", () => {
    expect(ask(new CatchUpPruner({ nStartupTrials: 6 }), history, running(5, [0.95, 0.8, 0.7]))).toBe(false);
    expect(ask(new CatchUpPruner({ nWarmupSteps: 3 }), history, running(5, [0.95, 0.8, 0.7]))).toBe(false);
    expect(ask(new CatchUpPruner(), history, running(5, [0.95, 0.8, 0.7, 0.6, 0.6]))).toBe(false);
  });

  it("mirrors for maximization", () => {
    const up = [0, 1, 2, 3, 4].map((n) => trial(n, n % 2 ? [0.5, 0.55, 0.56, 0.56] : [0.1, 0.3, 0.5, 0.7]));
    // Finals 0.56, 0.56, 0.7, 0.7, 0.7: median 0.7; the largest rise from step 2 is 0.2.
    expect(ask(new CatchUpPruner(), up, running(5, [0.1, 0.2, 0.45]), "maximize")).toBe(true);
    expect(ask(new CatchUpPruner(), up, running(5, [0.1, 0.2, 0.5]), "maximize")).toBe(false);
  });

  it("prunes a NaN report and ignores NaN in the history", () => {
    expect(ask(new CatchUpPruner(), history, running(5, [0.95, NaN]))).toBe(true);
    const withNaN = [...history.slice(0, 4), trial(4, [NaN, NaN, NaN, NaN], "COMPLETE", { value: 0.3 })];
    // Trial 4's final still counts, its NaN steps give no gain: from step 0 the largest gain is 0.6.
    expect(ask(new CatchUpPruner(), withNaN, running(5, [0.95]))).toBe(false);
  });
});
