/**
 * The pruners behind the core's study loop: createStudy + optimize on in-memory storage,
 * trials reporting learning curves and asking shouldPrune() after each report.
 */
import { describe, expect, it } from "vitest";
import {
  createStudy,
  HyperbandPruner,
  InMemoryStorage,
  MedianPruner,
  RandomSampler,
  SuccessiveHalvingPruner,
  TPESampler,
  TrialPruned,
  type FrozenTrial,
  type Pruner,
  type StudyView,
  type Trial,
} from "hpo";
import { studyViewOf } from "../../src/vocabulary/study-view.ts";

const STEPS = 12;

/** A curve whose speed and floor depend on x: fast learners level off higher. */
function curve(x: number, step: number): number {
  const floor = 0.2 + 0.6 * (x - 0.4) ** 2;
  const tau = 0.5 + 6 * x;
  return floor + (1 - floor) * Math.exp(-(step + 1) / tau);
}

async function objective(trial: Trial): Promise<number> {
  const x = trial.suggestFloat("x", 0, 1);
  let value = NaN;
  for (let step = 0; step < STEPS; step++) {
    value = curve(x, step);
    trial.report(value, step);
    if (await trial.shouldPrune()) throw new TrialPruned();
  }
  return value;
}

async function run(pruner: Pruner, options: { nTrials: number; concurrency?: number; sampler?: import("hpo").Sampler }) {
  const study = await createStudy({
    studyName: "pruned-curves",
    storage: new InMemoryStorage(),
    sampler: options.sampler ?? new RandomSampler({ seed: 7 }),
    pruner,
  });
  await study.optimize(objective, { nTrials: options.nTrials, concurrency: options.concurrency ?? 1 });
  const trials = await study.trials();
  await study.close();
  return trials;
}

/** The trial as it stood after its report at `step`. */
function upTo(t: FrozenTrial, step: number): FrozenTrial {
  const iv = new Map([...t.intermediateValues].filter(([s]) => s <= step));
  return { ...t, state: "RUNNING", value: null, values: null, intermediateValues: iv, datetimeComplete: null };
}

describe("pruners inside a real study", () => {
  it("sequentially, every decision the study acted on is the one the pruner gives on the replayed history", async () => {
    const pruner = new MedianPruner({ nStartupTrials: 3, nWarmupSteps: 1 });
    const trials = await run(pruner, { nTrials: 30 });
    const pruned = trials.filter((t) => t.state === "PRUNED");
    expect(pruned.length).toBeGreaterThan(3);
    expect(trials.filter((t) => t.state === "COMPLETE").length).toBeGreaterThan(3);
    for (const t of trials) {
      const before = trials.filter((o) => o.number < t.number);
      const last = Math.max(...t.intermediateValues.keys());
      for (const step of t.intermediateValues.keys()) {
        const snapshot = upTo(t, step);
        const verdict = new MedianPruner({ nStartupTrials: 3, nWarmupSteps: 1 }).prune(studyViewOf({ trials: [...before, snapshot] }), snapshot);
        expect(verdict, `trial ${t.number} step ${step}`).toBe(t.state === "PRUNED" && step === last);
      }
      if (t.state === "PRUNED") expect(t.value).toBe(t.intermediateValues.get(last));
    }
  });

  it("with four concurrent trials, successive halving prunes at rungs only and records the pruned value", async () => {
    const trials = await run(new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3 }), { nTrials: 40, concurrency: 4 });
    const pruned = trials.filter((t) => t.state === "PRUNED");
    expect(pruned.length).toBeGreaterThan(10);
    for (const t of pruned) {
      const last = Math.max(...t.intermediateValues.keys());
      // Rungs at steps 1, 3, 9.
      expect([1, 3, 9]).toContain(last);
      expect(t.value).toBe(t.intermediateValues.get(last));
    }
  });

  it("with TPE and Hyperband, TPE learns from the trial's bracket only (pruned trials included)", async () => {
    const seen: { bracket: number | null; members: readonly FrozenTrial[] }[] = [];
    class WatchedHyperband extends HyperbandPruner {
      override samplingView(study: StudyView, trial: FrozenTrial): StudyView {
        const narrowed = super.samplingView(study, trial);
        seen.push({ bracket: this.bracketId(study, trial.number), members: narrowed.getTrials(["COMPLETE", "PRUNED"]) });
        return narrowed;
      }
    }
    const pruner = new WatchedHyperband({ minResource: 1, maxResource: STEPS, reductionFactor: 3 });
    const trials = await run(pruner, { nTrials: 40, sampler: new TPESampler({ seed: 3, nStartupTrials: 5 }) });
    expect(trials.filter((t) => t.state === "PRUNED").length).toBeGreaterThan(5);
    expect(seen.length).toBeGreaterThan(0);
    const study = studyViewOf({ studyName: "pruned-curves", trials });
    for (const { bracket, members } of seen) {
      for (const m of members) expect(pruner.bracketId(study, m.number)).toBe(bracket);
    }
    expect(seen.some(({ members }) => members.some((m) => m.state === "PRUNED"))).toBe(true);
  });
});
