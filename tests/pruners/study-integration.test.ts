/**
 * The pruners behind the core's study loop: createStudy + optimize on in-memory storage,
 * trials reporting learning curves and asking shouldPrune() after each report.
 */
import { describe, expect, it } from "vitest";
import {
  createStudy,
  HyperbandPruner,
  InMemoryStorage,
  loadStudy,
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
import { StepView } from "../../src/vocabulary/step-series.ts";

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

  it("a worker's own running trials stand in its history as their live snapshots, never read back; other workers' are read", async () => {
    const storage = new InMemoryStorage();
    // η 2, rungs at steps 1, 2, 4: at rung 0 with fewer than 2 others, only the best goes on.
    const study = await createStudy({ studyName: "followed", storage, pruner: new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 }) });
    const elsewhere = await loadStudy({ studyName: "followed", storage, pruner: new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 }) });
    const [a, b] = [await study.ask(), await study.ask()];
    const c = await elsewhere.ask();
    for (let step = 0; step <= 3; step++) {
      a.report(0.5 - step / 10, step);
      await a.flush();
      c.report(0.6 - step / 10, step);
      // Another worker's view of a comes from storage: c's 0.5 and 0.4 at rungs 0 and 1 lose to a's 0.4 and 0.3.
      expect(await c.shouldPrune()).toBe(step === 1 || step === 2);
      b.report(0.55 - step / 10, step);
      // A sibling in this process is seen as it stands: a's 0.4 and 0.3 beat b's 0.45 and 0.35.
      expect(await b.shouldPrune()).toBe(step === 1 || step === 2);
    }
    const held = (n: number) => study.view.byNumber(n)!;
    // a and b are this process's: their snapshots (step logs); c came from storage (a plain map).
    expect(held(a.number).intermediateValues).toBeInstanceOf(StepView);
    expect(held(b.number).intermediateValues).toBeInstanceOf(StepView);
    expect(held(c.number).intermediateValues).not.toBeInstanceOf(StepView);
    expect([...held(c.number).intermediateValues.values()]).toEqual([0, 1, 2, 3].map((step) => 0.6 - step / 10));
    // Once told, a is read from storage again like any other trial.
    await study.tell(a, 0.2);
    await study.view.refresh();
    expect(held(a.number).state).toBe("COMPLETE");
    expect((await elsewhere.trials()).find((t) => t.number === a.number)?.state).toBe("COMPLETE");
    await elsewhere.tell(c, "FAIL");
    await study.tell(b, "PRUNED");
    await study.close();
    await elsewhere.close();
  });
});
