import { describe, expect, it } from "vitest";
import { HyperbandPruner, type FrozenTrial } from "hpo";
import { studyViewOf } from "../../src/vocabulary/study-view.ts";
import { running, trial, view } from "./history-builders.ts";

const NAME = "captioner-curves-seed0";
const hb = () => new HyperbandPruner({ minResource: 1, maxResource: 20, reductionFactor: 3 });

/** The first `count` trial numbers that land in `bracket`. */
function numbersIn(pruner: HyperbandPruner, bracket: number, count: number): number[] {
  const study = studyViewOf({ studyName: NAME, trials: [] });
  const out: number[] = [];
  for (let n = 0; out.length < count; n++) if (pruner.bracketId(study, n) === bracket) out.push(n);
  return out;
}

describe("HyperbandPruner", () => {
  it("builds floor(log_η(max/min)) + 1 brackets and fills them in proportion to their budgets", () => {
    const pruner = hb();
    const study = studyViewOf({ studyName: NAME, trials: [] });
    expect(pruner.bracketCount(study)).toBe(3);
    // Budgets 9, 5, 3 of 17.
    const counts = [0, 0, 0];
    for (let n = 0; n < 17000; n++) counts[pruner.bracketId(study, n) as number]++;
    expect(counts[0] / 17000).toBeCloseTo(9 / 17, 1);
    expect(counts[1] / 17000).toBeCloseTo(5 / 17, 1);
    expect(counts[2] / 17000).toBeCloseTo(3 / 17, 1);
    // log_3(27) is 3.0000000000000004 in floating point: 4 brackets, as in Optuna.
    expect(new HyperbandPruner({ maxResource: 27 }).bracketCount(study)).toBe(4);
  });

  it("assigns brackets from the study name and the trial number", () => {
    const pruner = hb();
    const a = studyViewOf({ studyName: "a", trials: [] });
    const b = studyViewOf({ studyName: "b", trials: [] });
    const ids = (s: typeof a) => Array.from({ length: 50 }, (_, n) => pruner.bracketId(s, n));
    expect(ids(a)).toEqual(ids(a));
    expect(ids(a)).not.toEqual(ids(b));
  });

  it("lets a trial compete only with the trials of its own bracket", () => {
    const pruner = hb();
    const [x, y] = numbersIn(pruner, 0, 2);
    const [other] = numbersIn(pruner, 1, 1);
    const current = running(y, [1, 0.5]);
    // Bracket 0 judges at step 1; a better trial of bracket 1 is not its competitor.
    expect(pruner.prune(view([trial(other, [1, 0.1, 0.1, 0.1]), current], "minimize", NAME), current)).toBe(false);
    expect(pruner.prune(view([trial(x, [1, 0.1]), current], "minimize", NAME), current)).toBe(true);
  });

  it("starts each bracket's rungs at minResource·η^bracket", () => {
    const pruner = hb();
    const [a, b] = numbersIn(pruner, 2, 2);
    const best = trial(a, new Array(12).fill(0.1));
    const reports = (n: number) => running(b, new Array(n).fill(0.9));
    // Bracket 2's only rung is at step 9: nothing earlier is judged.
    for (const n of [2, 4, 9]) expect(pruner.prune(view([best, reports(n)], "minimize", NAME), reports(n))).toBe(false);
    expect(pruner.prune(view([best, reports(10)], "minimize", NAME), reports(10))).toBe(true);
  });

  it('with maxResource "auto", waits for a completed trial, then uses its last step + 1', () => {
    const pruner = new HyperbandPruner({ reductionFactor: 3 });
    const before = view([running(0, [1, 2, 3])], "minimize", NAME);
    expect(pruner.bracketCount(before)).toBeNull();
    expect(pruner.bracketId(before, 0)).toBeNull();
    expect(pruner.samplingView(before, running(0, [1]))).toBe(before);
    expect(pruner.prune(before, running(0, [1, 2, 3]))).toBe(false);
    const after = view([trial(0, new Array(27).fill(0.5))], "minimize", NAME);
    expect(pruner.bracketCount(after)).toBe(4);
  });

  it("narrows a study to a trial's bracket for samplers, pruned trials included", () => {
    const pruner = hb();
    const trials: FrozenTrial[] = [];
    for (let n = 0; n < 40; n++) trials.push(trial(n, [1, 0.5 + n / 100], n % 3 === 0 ? "PRUNED" : "COMPLETE"));
    const study = view(trials, "maximize", NAME);
    for (const t of trials) {
      const bracket = pruner.bracketId(study, t.number);
      const narrowed = pruner.samplingView(study, t);
      expect(narrowed.studyName).toBe(NAME);
      expect(narrowed.directions).toEqual(["maximize"]);
      const members = narrowed.getTrials();
      expect(members.map((m) => m.number)).toEqual(trials.filter((m) => pruner.bracketId(study, m.number) === bracket).map((m) => m.number));
      expect(narrowed.getTrials(["PRUNED"]).every((m) => m.state === "PRUNED" && m.intermediateValues.size === 2)).toBe(true);
      expect(narrowed.getTrials(["PRUNED"]).length).toBe(members.filter((m) => m.state === "PRUNED").length);
    }
  });
});
