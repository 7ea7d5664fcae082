import { describe, expect, it } from "vitest";
import { SuccessiveHalvingPruner } from "hpo";
import { ask, running, trial, view } from "./history-builders.ts";

// minResource 1, η 4: rungs at steps 1, 4, 16.
const sha = (options = {}) => new SuccessiveHalvingPruner({ minResource: 1, ...options });

describe("SuccessiveHalvingPruner", () => {
  it("at the first rung, promotes only the best so far while fewer than η trials arrived (ties pass)", () => {
    const first = [trial(0, [0.9, 0.5, 0.4])];
    expect(ask(sha(), first, running(1, [0.9, 0.6]))).toBe(true);
    expect(ask(sha(), first, running(1, [0.9, 0.5]))).toBe(false);
    expect(ask(sha(), first, running(1, [0.9, 0.4]))).toBe(false);
    // Alone at the rung: promoted.
    expect(ask(sha(), [], running(0, [0.9, 5]))).toBe(false);
  });

  it("keeps the top ⌊n/η⌋ once η or more trials reached the rung", () => {
    // Seven finished trials at rung 0 (step 1) with 0.1..0.7; with the new one n = 8, top 2 pass.
    const seven = [1, 2, 3, 4, 5, 6, 7].map((k, i) => trial(i, [1, k / 10]));
    expect(ask(sha(), seven, running(7, [1, 0.2]))).toBe(false);
    expect(ask(sha(), seven, running(7, [1, 0.25]))).toBe(true);
  });

  it("judges only when a rung's promotion step is reached", () => {
    const first = [trial(0, [0.1, 0.1, 0.1, 0.1, 0.1])];
    // Steps 0, 2, 3 are not rungs: no verdict however bad.
    expect(ask(sha(), first, running(1, [9]))).toBe(false);
    expect(ask(sha(), first, running(1, [9, 0.1, 9]))).toBe(false);
    expect(ask(sha(), first, running(1, [9, 0.1, 9, 9]))).toBe(false);
    // Step 4 is rung 1.
    expect(ask(sha(), first, running(1, [9, 0.1, 9, 9, 9]))).toBe(true);
  });

  it("places the first rung at minResource·η^minEarlyStoppingRate", () => {
    const pruner = new SuccessiveHalvingPruner({ minResource: 2, reductionFactor: 3, minEarlyStoppingRate: 1 });
    const first = [trial(0, new Array(10).fill(0.1))];
    expect(ask(pruner, first, running(1, new Array(6).fill(9)))).toBe(false); // step 5
    expect(ask(pruner, first, running(1, new Array(7).fill(9)))).toBe(true); // step 6
  });

  it("prunes while no more than bootstrapCount trials have reached the rung", () => {
    const pruner = sha({ bootstrapCount: 2 });
    expect(ask(pruner, [], running(0, [1, 0.1]))).toBe(true);
    expect(ask(pruner, [trial(0, [1, 0.5], "PRUNED")], running(1, [1, 0.1]))).toBe(true);
    const two = [trial(0, [1, 0.5], "PRUNED"), trial(1, [1, 0.6], "PRUNED")];
    expect(ask(pruner, two, running(2, [1, 0.1]))).toBe(false);
    expect(ask(pruner, two, running(2, [1, 0.55]))).toBe(true);
  });

  it("flips with the direction", () => {
    const first = [trial(0, [0, 0.5])];
    expect(ask(sha(), first, running(1, [0, 0.6]), "minimize")).toBe(true);
    expect(ask(sha(), first, running(1, [0, 0.6]), "maximize")).toBe(false);
    expect(ask(sha(), first, running(1, [0, 0.4]), "maximize")).toBe(true);
  });

  it("prunes a NaN at a rung without recording it, and ignores NaN between rungs", () => {
    const pruner = sha();
    expect(ask(pruner, [], running(0, [1, NaN]))).toBe(true);
    expect(ask(pruner, [trial(0, [1, 0.5, 0.4, 0.3, 0.2])], running(1, [1, 0.5, NaN]))).toBe(false);
    // The NaN trial recorded nothing at rung 0, so the next trial stands alone there.
    const nanTrial = trial(0, [1, NaN], "PRUNED");
    const study = view([nanTrial]);
    expect(pruner.rungValues(study, nanTrial)).toEqual([]);
    expect(ask(pruner, [nanTrial], running(1, [1, 0.9]))).toBe(false);
  });

  it("records a rung even for a trial pruned there, so it keeps competing", () => {
    const pruner = sha();
    const prunedAtRung0 = trial(0, [1, 0.3], "PRUNED");
    expect(pruner.rungValues(view([prunedAtRung0]), prunedAtRung0)).toEqual([0.3]);
    expect(ask(pruner, [prunedAtRung0], running(1, [1, 0.35]))).toBe(true);
  });

  it("replays a report that jumps past several rungs: records up to the first rung it fails", () => {
    // η 2: rungs at 1, 2, 4, 8. Trial 0 ran every step; trial 1 reported only at 0 and 5.
    const pruner = sha({ reductionFactor: 2 });
    const steady = trial(0, [1, 0.5, 0.4, 0.35, 0.3, 0.3, 0.3, 0.3, 0.3]);
    const good = trial(1, { 0: 1, 5: 0.2 });
    expect(pruner.rungValues(view([steady, good]), good)).toEqual([0.2, 0.2, 0.2]);
    // 0.45 beats nothing at rung 0 (0.5 there is worse): passes rung 0, fails rung 1 (0.4).
    const middling = trial(1, { 0: 1, 5: 0.45 }, "PRUNED");
    expect(pruner.rungValues(view([steady, middling]), middling)).toEqual([0.45, 0.45]);
    const bad = trial(1, { 0: 1, 5: 0.9 }, "PRUNED");
    expect(pruner.rungValues(view([steady, bad]), bad)).toEqual([0.9]);
    // The same verdicts live: a jump to step 5 with 0.45 is pruned (at rung 1).
    expect(ask(pruner, [steady], running(1, { 0: 1, 5: 0.45 }))).toBe(true);
    expect(ask(pruner, [steady], running(1, { 0: 1, 5: 0.2 }))).toBe(false);
  });

  it("keeps recording for a trial that ignores a prune answer", () => {
    const pruner = sha();
    const stubborn = trial(1, [1, 0.9, 0.8, 0.7, 0.6], "COMPLETE");
    const study = view([trial(0, [1, 0.1, 0.1, 0.1, 0.1]), stubborn]);
    expect(pruner.rungValues(study, stubborn)).toEqual([0.9, 0.6]);
  });

  describe('minResource "auto"', () => {
    it("is unknown until a trial with reports completes, then max(⌊last step / 100⌋, 1) of the first one", () => {
      const pruner = new SuccessiveHalvingPruner();
      expect(pruner.minResourceFor(view([trial(0, [], "COMPLETE"), running(1, [1, 1])]))).toBeNull();
      expect(ask(pruner, [trial(0, [], "COMPLETE")], running(1, [1, 9]))).toBe(false);
      const long = trial(0, new Array(250).fill(0.5));
      expect(pruner.minResourceFor(view([long]))).toBe(2);
      expect(pruner.minResourceFor(view([trial(0, new Array(20).fill(0.5))]))).toBe(1);
      // Later completions do not move it (Optuna estimates once).
      expect(pruner.minResourceFor(view([long, trial(1, new Array(900).fill(0.5))]))).toBe(2);
    });

    it("leaves out trials that started before the first completion, as Optuna records no rung then", () => {
      const first = trial(0, new Array(250).fill(0.5), "COMPLETE", { start: 0, complete: 100 });
      const early = trial(1, [1, 1, 0.1, 0.1], "COMPLETE", { start: 50, complete: 150 });
      const late = (reports: number[]) => running(2, reports, 200);
      const auto = new SuccessiveHalvingPruner();
      // Trial 1 does not compete at rung 0 (step 2), so trial 2 is alone there.
      expect(ask(auto, [first, early], late([1, 1, 0.9]))).toBe(false);
      expect(auto.rungValues(view([first, early]), early)).toEqual([]);
      // With a fixed minResource, trial 1 competes and wins.
      expect(ask(new SuccessiveHalvingPruner({ minResource: 2 }), [first, early], late([1, 1, 0.9]))).toBe(true);
      // A trial that was running at the first completion is never pruned.
      expect(ask(auto, [first], running(1, [1, 1, 9], 50))).toBe(false);
    });
  });
});
