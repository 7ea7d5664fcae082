/**
 * Named metrics at every step: `trial.report({ val_loss, meteor, bleu1 }, step)` stored per
 * step and metric on every backend, the study's watched metric feeding pruners and the
 * objective value, and trackers told every metric by name.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createStudy,
  loadStudy,
  MedianPruner,
  RandomSampler,
  StudyOptionsError,
  TrialPruned,
  type ReportEvent,
  type Storage,
  type Tracker,
  type Trial,
} from "hpo";
import { BACKENDS, openBackend, uniqueName } from "../support/backends.ts";

/** A learning curve per x: METEOR rises to a ceiling that depends on x; the loss falls. */
function epochMetrics(x: number, epoch: number): { val_loss: number; meteor: number; bleu1: number } {
  const meteor = (0.1 + 0.3 * (1 - (x - 0.6) ** 2)) * (1 - Math.exp(-(epoch + 1) / 2));
  return { val_loss: 3 - 4 * meteor, meteor, bleu1: meteor * 1.4 };
}

const EPOCHS = 6;

describe.each(BACKENDS)("named metrics on %s", (backend) => {
  let storage: Storage;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ storage, cleanup } = await openBackend(backend));
  });
  afterAll(() => cleanup());

  it("stores every metric per step, NaN and ±Infinity included, keeping a step's first value per name", async () => {
    const s = await storage.createStudy(uniqueName("metrics-store"), ["maximize"]);
    const t = await storage.createTrial(s.studyId, { state: "RUNNING" });
    await storage.updateTrial(t.trialId, {
      intermediateValues: [{ step: 0, value: 0.2 }],
      metrics: [
        { step: 0, name: "meteor", value: 0.2 },
        { step: 0, name: "val_loss", value: Number.NaN },
        { step: 1, name: "val_loss", value: Infinity },
        { step: 1, name: "bleu1", value: -Infinity },
      ],
    });
    await storage.updateTrial(t.trialId, { metrics: [{ step: 0, name: "meteor", value: 0.9 }, { step: 1, name: "meteor", value: 0.3 }] });
    const got = (await storage.getTrial(t.trialId))!;
    expect([...got.metrics.keys()]).toEqual([0, 1]);
    expect(got.metrics.get(0)).toEqual({ meteor: 0.2, val_loss: Number.NaN });
    expect(got.metrics.get(1)).toEqual({ val_loss: Infinity, bleu1: -Infinity, meteor: 0.3 });
    expect([...got.intermediateValues]).toEqual([[0, 0.2]]);
    const reported = (await storage.readEvents(s.studyId, 0)).filter((e) => e.type === "reported");
    expect(reported.map((e) => e.payload)).toEqual([
      { step: 0, value: 0.2, metrics: { meteor: 0.2, val_loss: Number.NaN } },
      { step: 1, metrics: { val_loss: Infinity, bleu1: -Infinity } },
      { step: 0, metrics: { meteor: 0.9 } },
      { step: 1, metrics: { meteor: 0.3 } },
    ]);
  });

  it("records named reports, prunes on the watched metric, and takes the objective value from it", async () => {
    const reports: ReportEvent[] = [];
    const tracker: Tracker = { name: "probe", onReport: (e) => void reports.push(e) };
    const study = await createStudy({
      studyName: uniqueName("metrics-study"),
      storage,
      direction: "maximize",
      metric: "meteor",
      sampler: new RandomSampler({ seed: 3 }),
      pruner: new MedianPruner({ nStartupTrials: 2, nWarmupSteps: 1 }),
    });
    expect(study.metric).toEqual({ name: "meteor" });
    await study.optimize(
      async (trial: Trial) => {
        const x = trial.suggestFloat("x", 0, 1);
        let last = epochMetrics(x, 0);
        for (let epoch = 0; epoch < EPOCHS; epoch++) {
          last = epochMetrics(x, epoch);
          trial.report(last, epoch);
          if (await trial.shouldPrune()) throw new TrialPruned();
        }
        return last;
      },
      { nTrials: 8, trackers: [tracker] },
    );
    const trials = await study.trials();
    const complete = trials.filter((t) => t.state === "COMPLETE");
    expect(complete.length).toBeGreaterThan(0);
    for (const t of trials) {
      const x = t.params.x as number;
      expect(t.metrics.size).toBe(t.intermediateValues.size);
      for (const [step, record] of t.metrics) {
        expect(record).toEqual(epochMetrics(x, step));
        expect(t.intermediateValues.get(step)).toBe(record.meteor);
      }
    }
    for (const t of complete) {
      expect(t.value).toBe(epochMetrics(t.params.x as number, EPOCHS - 1).meteor);
      expect(t.systemAttrs.final_metrics).toEqual(epochMetrics(t.params.x as number, EPOCHS - 1));
    }
    expect(reports.length).toBe(trials.reduce((n, t) => n + t.metrics.size, 0));
    for (const r of reports) {
      expect(r.value).toBe(r.metrics.meteor);
      expect(Object.keys(r.metrics)).toEqual(["val_loss", "meteor", "bleu1"]);
    }
    // The metric stays with the study: reopening it without one watches meteor, another is refused.
    const reopened = await loadStudy({ studyName: study.studyName, storage });
    expect(reopened.metric).toEqual({ name: "meteor" });
    await expect(loadStudy({ studyName: study.studyName, storage, metric: "bleu1" })).rejects.toThrow(
      new StudyOptionsError(`study "${study.studyName}" watches the metric "meteor", not "bleu1"`),
    );
    await reopened.close();
    await study.close();
  });
});

/** The pruned trial numbers of a seeded study whose objective reports its curve with `report`. */
async function prunedNumbers(
  options: { direction: "minimize" | "maximize"; metric?: string | { name: string; direction: "minimize" | "maximize" } },
  report: (trial: Trial, m: ReturnType<typeof epochMetrics>, epoch: number) => void,
): Promise<number[]> {
  const study = await createStudy({
    storage: "memory",
    direction: options.direction,
    metric: options.metric,
    sampler: new RandomSampler({ seed: 11 }),
    pruner: new MedianPruner({ nStartupTrials: 3, nWarmupSteps: 1 }),
  });
  await study.optimize(
    async (trial) => {
      const x = trial.suggestFloat("x", 0, 1);
      for (let epoch = 0; epoch < EPOCHS; epoch++) {
        report(trial, epochMetrics(x, epoch), epoch);
        if (await trial.shouldPrune()) throw new TrialPruned();
      }
      return epochMetrics(x, EPOCHS - 1).meteor;
    },
    { nTrials: 20 },
  );
  const pruned = (await study.trials()).filter((t) => t.state === "PRUNED").map((t) => t.number);
  await study.close();
  return pruned;
}

describe("pruning on a named metric", () => {
  it("makes the same decisions as reporting the watched metric alone", async () => {
    const alone = await prunedNumbers({ direction: "maximize" }, (t, m, e) => t.report(m.meteor, e));
    const named = await prunedNumbers({ direction: "maximize", metric: "meteor" }, (t, m, e) => t.report(m, e));
    expect(alone.length).toBeGreaterThan(0);
    expect(named).toEqual(alone);
  });

  it("compares the watched metric in its own direction when it differs from the study's", async () => {
    const lossStudy = await prunedNumbers({ direction: "minimize" }, (t, m, e) => t.report(m.val_loss, e));
    const named = await prunedNumbers({ direction: "maximize", metric: { name: "val_loss", direction: "minimize" } }, (t, m, e) => t.report(m, e));
    expect(lossStudy.length).toBeGreaterThan(0);
    expect(named).toEqual(lossStudy);
  });
});

describe("trial.report input", () => {
  it("adds new names to a step, keeps the first value of a name, and says what is wrong with bad input", async () => {
    const warnings: string[] = [];
    const study = await createStudy({ storage: "memory", metric: "val_loss" });
    const trial = await study.ask();
    const warn = console.warn;
    console.warn = (m: string) => void warnings.push(m);
    try {
      trial.report({ train_loss: 2.5 }, 0);
      trial.report({ val_loss: 2.7, train_loss: 9 }, 0);
      trial.report(1.5, 1);
      trial.report(9, 1);
    } finally {
      console.warn = warn;
    }
    expect([...trial.metrics]).toEqual([
      [0, { train_loss: 2.5, val_loss: 2.7 }],
      [1, { val_loss: 1.5 }],
    ]);
    expect([...trial.intermediateValues]).toEqual([
      [0, 2.7],
      [1, 1.5],
    ]);
    expect(warnings).toEqual([
      'hpo: trial 0: metric "train_loss" at step 0 was already reported; the value 9 is ignored',
      "hpo: trial 0: step 1 was already reported; the value 9 is ignored",
    ]);
    expect(() => trial.report({}, 2)).toThrow("trial 0: report(value, step) got an object with no metrics");
    expect(() => trial.report({ bleu: "0.3" } as never, 2)).toThrow('trial 0: report(value, step): metric "bleu" must be a number, got string');
    expect(() => trial.report([1, 2] as never, 2)).toThrow("trial 0: report(value, step) needs a number or an object of named numbers, got an array");
    const final = await study.tell(trial, 1.5);
    expect(final.metrics.get(0)).toEqual({ train_loss: 2.5, val_loss: 2.7 });
    await expect(createStudy({ storage: "memory", metric: "" })).rejects.toThrow("createStudy: metric: expected a non-empty metric name");
    await study.close();
  });

  it("fails a trial whose objective returns metrics without the watched one, naming it", async () => {
    const study = await createStudy({ storage: "memory", metric: "meteor" });
    const warn = console.warn;
    console.warn = () => undefined;
    try {
      await study.optimize(() => ({ bleu1: 0.3 }), { nTrials: 1 });
    } finally {
      console.warn = warn;
    }
    const [t] = await study.trials();
    expect(t.state).toBe("FAIL");
    expect(t.systemAttrs.fail_reason).toBe('the objective returned metrics without a number "meteor" (the study\'s metric); got bleu1');
    await study.close();
  });
});
