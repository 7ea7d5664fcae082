/**
 * TPESampler through real studies (createStudy): define-by-run with conditional params and
 * pruning, declared spaces, concurrent trials with the constant liar, and two workers on
 * one storage (PostgreSQL too when HPO_TEST_DATABASE_URL is set).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createStudy,
  type Distribution,
  floatDistribution,
  type FrozenTrial,
  intDistribution,
  categoricalDistribution,
  type ParamValue,
  type Sampler,
  type Storage,
  type StudyView,
  TPESampler,
  TrialPruned,
} from "hpo";
import { ObservationHistory } from "../../samplers/tpe/history/observation-history.ts";
import { BACKENDS, openBackend, uniqueName } from "../support/backends.ts";

/** Delegates to a real sampler and records how many RUNNING trials each proposal saw. */
class RunningTrialsSeen implements Sampler {
  readonly seen: number[] = [];
  constructor(readonly inner: Sampler) {}
  inferRelativeSearchSpace(study: StudyView, trial: FrozenTrial): Record<string, Distribution> {
    return this.inner.inferRelativeSearchSpace(study, trial);
  }
  sampleRelative(study: StudyView, trial: FrozenTrial, space: Record<string, Distribution>): Record<string, ParamValue> {
    this.seen.push(study.getTrials(["RUNNING"]).filter((t) => t.number !== trial.number).length);
    return this.inner.sampleRelative(study, trial, space);
  }
  sampleIndependent(study: StudyView, trial: FrozenTrial, name: string, d: Distribution): ParamValue {
    return this.inner.sampleIndependent(study, trial, name, d);
  }
}

describe.each(BACKENDS.filter((b) => b !== "pglite"))("TPESampler in a study on %s", (backend) => {
  let storage: Storage;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ storage, cleanup } = await openBackend(backend));
  });
  afterAll(() => cleanup());

  it("optimizes a conditional define-by-run objective with pruned trials", async () => {
    const study = await createStudy({ studyName: uniqueName("tpe-dbr"), storage, sampler: new TPESampler({ seed: 3, replay: "optuna-3.1", multivariate: true, group: true, multivariateBandwidth: "spread" }) });
    await study.optimize(
      (trial) => {
        const kind = trial.suggestCategorical("kind", ["quadratic", "abs"]);
        const x = trial.suggestFloat("x", -4, 4);
        const k = kind === "quadratic" ? trial.suggestInt("k", 1, 5) : trial.suggestFloat("scale", 0.1, 10, { log: true });
        const value = kind === "quadratic" ? (x - 1) ** 2 + (k - 2) ** 2 : Math.abs(x) * k + 0.5;
        trial.report(value + 1, 1);
        if (value > 6) throw new TrialPruned();
        return value;
      },
      { nTrials: 40 },
    );
    const trials = await study.trials();
    expect(trials.filter((t) => t.state === "FAIL")).toEqual([]);
    expect(trials.filter((t) => t.state === "PRUNED").length).toBeGreaterThan(0);
    expect(await study.bestValue).toBeLessThan(0.5);
    await study.close();
  });

  it("samples a declared space through ask and tell", async () => {
    const space: Record<string, Distribution> = {
      lr: floatDistribution(1e-5, 1e-1, { log: true }),
      layers: intDistribution(1, 8),
      act: categoricalDistribution(["relu", "gelu", "tanh"]),
    };
    const study = await createStudy({ studyName: uniqueName("tpe-ask"), storage, sampler: new TPESampler({ seed: 5, multivariate: true }) });
    const values: number[] = [];
    for (let i = 0; i < 30; i++) {
      const trial = await study.ask(space);
      const p = trial.params;
      const v = (Math.log10(p.lr as number) + 3) ** 2 + ((p.layers as number) - 3) ** 2 + (p.act === "gelu" ? 0 : 1);
      values.push(v);
      await study.tell(trial, v);
    }
    expect(Math.min(...values.slice(10))).toBeLessThan(Math.min(...values.slice(0, 10)));
    await study.close();
  });

  it("lets concurrent trials see each other as RUNNING (constant liar)", async () => {
    const recorder = new RunningTrialsSeen(new TPESampler({ seed: 7, multivariate: true, constantLiar: true, nStartupTrials: 4 }));
    const study = await createStudy({ studyName: uniqueName("tpe-liar"), storage, sampler: recorder });
    await study.optimize(
      async (trial) => {
        const x = trial.suggestFloat("x", 0, 1);
        const y = trial.suggestFloat("y", 0, 1);
        await new Promise((r) => setTimeout(r, 5));
        return (x - 0.3) ** 2 + (y - 0.6) ** 2;
      },
      { nTrials: 24, concurrency: 4 },
    );
    expect(Math.max(...recorder.seen)).toBeGreaterThanOrEqual(2);
    const trials = await study.trials();
    const distinct = new Set(trials.map((t) => `${t.params.x},${t.params.y}`));
    expect(distinct.size).toBe(24);
    await study.close();
  });

  it("sees another worker's RUNNING trial on the same storage", async () => {
    const name = uniqueName("tpe-workers");
    const a = await createStudy({ studyName: name, storage, sampler: new TPESampler({ seed: 1, constantLiar: true }) });
    const b = await createStudy({ studyName: name, storage, sampler: new TPESampler({ seed: 2, constantLiar: true }), loadIfExists: true });
    for (let i = 0; i < 12; i++) {
      const t = await a.ask();
      await a.tell(t, t.suggestFloat("x", 0, 1));
    }
    const running = await a.ask();
    running.suggestFloat("x", 0, 1);
    await running.flush();
    const mine = await b.ask();
    const history = new ObservationHistory(true).snapshot(b.view);
    expect(history.nFinished).toBe(12);
    const liars = history.trials.filter((t) => t.state === "RUNNING").map((t) => t.number);
    expect(liars).toContain(running.number);
    expect(typeof mine.suggestFloat("x", 0, 1)).toBe("number");
    await a.tell(running, 0.5);
    await b.tell(mine, 0.5);
    await a.close();
    await b.close();
  });
});
