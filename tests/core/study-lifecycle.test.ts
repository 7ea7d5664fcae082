import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  createStudy,
  deleteStudy,
  DistributionError,
  listStudies,
  loadStudy,
  RandomSampler,
  StudyNotFoundError,
  StudyOptionsError,
  TrialPruned,
  type Storage,
} from "hpo";
import { BACKENDS, openBackend, uniqueName } from "../support/backends.ts";

describe.each(BACKENDS)("study lifecycle on %s", (backend) => {
  let storage: Storage;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ storage, cleanup } = await openBackend(backend));
  });
  afterAll(() => cleanup());

  it("records every outcome as Optuna does", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const study = await createStudy({ studyName: uniqueName("outcomes"), storage, direction: "minimize" });
    const result = await study.optimize(
      async (trial) => {
        const x = trial.suggestFloat("x", 0, 1);
        trial.report(x + 1, 0);
        trial.report(x + 2, 1);
        switch (trial.number) {
          case 0:
            return x;
          case 1:
            throw new TrialPruned();
          case 2:
            throw new RangeError("diverged");
          case 3:
            return Number.NaN;
          case 4:
            return "oops" as unknown as number;
          default:
            return Infinity;
        }
      },
      { nTrials: 6, catch: true },
    );
    warn.mockRestore();
    expect(result).toEqual({ reason: "completed", finished: 6 });
    const trials = await study.trials();
    expect(trials.map((t) => t.state)).toEqual(["COMPLETE", "PRUNED", "FAIL", "FAIL", "FAIL", "COMPLETE"]);
    expect(trials[1].value).toBe(trials[1].params.x as number + 2); // last intermediate value
    expect(trials[2].systemAttrs.fail_reason).toBe("RangeError: diverged");
    expect(trials[3].systemAttrs.fail_reason).toMatch(/NaN/);
    expect(trials[4].systemAttrs.fail_reason).toMatch(/string/);
    expect(trials[5].value).toBe(Infinity);
    expect((await study.bestTrial).number).toBe(0);
    expect(await study.bestValue).toBe(trials[0].params.x);
    await study.close();
  });

  it("follows Optuna's catch semantics: uncaught errors fail the trial and propagate", async () => {
    const study = await createStudy({ studyName: uniqueName("catch"), storage });
    await expect(
      study.optimize(() => {
        throw new TypeError("bad");
      }, { nTrials: 3 }),
    ).rejects.toThrow("bad");
    expect((await study.trials()).map((t) => t.state)).toEqual(["FAIL"]);
    await study.optimize(
      (t) => {
        if (t.number === 1) throw new RangeError("caught");
        return 1;
      },
      { nTrials: 2, catch: [RangeError] },
    );
    expect((await study.trials()).map((t) => t.state)).toEqual(["FAIL", "FAIL", "COMPLETE"]);
    await study.close();
  });

  it("resumes by name, keeps history, and continues numbering", async () => {
    const name = uniqueName("resume");
    const first = await createStudy({ studyName: name, storage, direction: "maximize" });
    await first.optimize((t) => t.suggestInt("n", 0, 100), { nTrials: 3 });
    await first.close();
    await expect(createStudy({ studyName: name, storage, direction: "maximize" })).rejects.toThrow(/already exists/);
    await expect(createStudy({ studyName: name, storage, direction: "minimize", loadIfExists: true })).rejects.toThrow(/directions \[maximize\]/);
    const again = await createStudy({ studyName: name, storage, direction: "maximize", loadIfExists: true });
    await again.optimize((t) => t.suggestInt("n", 0, 100), { nTrials: 2 });
    const loaded = await loadStudy({ studyName: name, storage });
    expect((await loaded.trials()).map((t) => t.number)).toEqual([0, 1, 2, 3, 4]);
    expect(await loaded.bestValue).toBe(Math.max(...(await loaded.trials()).map((t) => t.value as number)));
    expect((await listStudies({ storage })).find((s) => s.studyName === name)?.counts.COMPLETE).toBe(5);
    await again.close();
    await loaded.close();
    await deleteStudy({ studyName: name, storage });
    await expect(loadStudy({ studyName: name, storage })).rejects.toBeInstanceOf(StudyNotFoundError);
  });

  it("supports ask/tell, enqueueTrial and fixed distributions", async () => {
    const study = await createStudy({ studyName: uniqueName("asktell"), storage });
    await study.enqueueTrial({ x: 0.25, kind: "b" });
    expect(await study.enqueueTrial({ x: 0.25, kind: "b" }, { skipIfExists: true })).toBeNull();
    const t0 = await study.ask();
    expect(t0.suggestFloat("x", 0, 1)).toBe(0.25);
    expect(t0.suggestCategorical("kind", ["a", "b"])).toBe("b");
    await study.tell(t0, 0.5);
    const t1 = await study.ask({ y: { type: "int", low: 1, high: 3, log: false, step: 1 } });
    expect([1, 2, 3]).toContain(t1.params.y);
    await study.tell(t1.number, "PRUNED");
    const t2 = await study.ask();
    await study.tell(t2, { state: "FAIL", failReason: "told so" });
    await expect(study.tell(t2, 1)).rejects.toThrow();
    const trials = await study.trials();
    expect(trials.map((t) => t.state)).toEqual(["COMPLETE", "PRUNED", "FAIL"]);
    expect(trials[1].value).toBeNull();
    expect(trials[2].systemAttrs.fail_reason).toBe("told so");
    expect((await study.trials({ states: ["COMPLETE"] })).length).toBe(1);
    expect(await study.bestParams).toEqual({ x: 0.25, kind: "b" });
    await study.close();
  });

  it("returns the same value for a repeated suggest and rejects a changed distribution", async () => {
    const study = await createStudy({ studyName: uniqueName("repeat"), storage });
    const t = await study.ask();
    const a = t.suggestFloat("lr", 1e-5, 1e-1, { log: true });
    expect(t.suggestFloat("lr", 1e-5, 1e-1, { log: true })).toBe(a);
    expect(() => t.suggestFloat("lr", 1e-4, 1e-1, { log: true })).toThrow(DistributionError);
    expect(() => t.suggestFloat("lr", 1e-4, 1e-1, { log: true })).toThrow(/parameter "lr" was already suggested/);
    expect(() => t.suggestInt("bad", 0, 1, { step: 0 })).toThrow(/parameter "bad": step must be > 0/);
    expect(t.suggestInt("one", 3, 3)).toBe(3);
    await study.tell(t, 1);
    const stored = (await study.trials())[0];
    expect(stored.distributions.lr).toEqual({ type: "float", low: 1e-5, high: 1e-1, log: true, step: null });
    await study.close();
  });

  it("gives the same params for the same seed", async () => {
    const run = async () => {
      const study = await createStudy({ studyName: uniqueName("seed"), storage, sampler: new RandomSampler({ seed: 7 }) });
      await study.optimize((t) => {
        t.suggestFloat("a", -1, 1);
        t.suggestInt("b", 0, 50, { step: 5 });
        t.suggestFloat("c", 1e-4, 1, { log: true });
        t.suggestCategorical("d", ["x", "y", "z"]);
        return 0;
      }, { nTrials: 5 });
      const params = (await study.trials()).map((t) => t.params);
      await study.close();
      return params;
    };
    const [p1, p2] = [await run(), await run()];
    expect(p1).toEqual(p2);
    for (const p of p1) {
      expect((p.b as number) % 5).toBe(0);
      expect(p.c as number).toBeGreaterThanOrEqual(1e-4);
    }
  });

  it("runs trials concurrently and supports multi-objective studies", async () => {
    const study = await createStudy({ studyName: uniqueName("multi"), storage, directions: ["minimize", "maximize"] });
    let running = 0;
    let peak = 0;
    let release!: () => void;
    const allRunning = new Promise<void>((r) => (release = r));
    await study.optimize(
      async (t) => {
        running++;
        peak = Math.max(peak, running);
        if (running === 4) release();
        const x = t.suggestFloat("x", 0, 1);
        // The first trials wait until four run at once (bounded, so a bug fails, not hangs).
        await Promise.race([allRunning, new Promise((r) => setTimeout(r, 5000))]);
        running--;
        return [x, x * x];
      },
      { nTrials: 8, concurrency: 4 },
    );
    expect(peak).toBe(4);
    expect((await study.trials()).map((t) => t.number).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect((await study.bestTrials).length).toBeGreaterThan(0);
    await expect(study.bestTrial).rejects.toThrow(/multi-objective/);
    await study.close();
  });

  it("stops on timeout, on abort (failing running trials as interrupted) and validates options", async () => {
    const study = await createStudy({ studyName: uniqueName("stop"), storage });
    const timed = await study.optimize(async () => {
      await new Promise((r) => setTimeout(r, 30));
      return 1;
    }, { timeout: 0.05 });
    expect(timed.reason).toBe("timeout");
    const controller = new AbortController();
    const pending = study.optimize(async (t) => {
      t.suggestFloat("x", 0, 1);
      setTimeout(() => controller.abort(), 20);
      await new Promise((r) => setTimeout(r, 10_000));
      return 1;
    }, { signal: controller.signal });
    expect((await pending).reason).toBe("interrupted");
    const last = (await study.trials()).at(-1)!;
    expect(last.state).toBe("FAIL");
    expect(last.systemAttrs.fail_reason).toBe("interrupted");
    await expect(study.optimize(() => 1, { nTrials: -1 })).rejects.toThrow(/nTrials must be a non-negative integer/);
    await expect(study.optimize(() => 1, { concurrency: 0 })).rejects.toThrow(/concurrency must be a positive integer/);
    await study.close();
  });
});

describe("createStudy validation", () => {
  it("names the bad field", async () => {
    await expect(createStudy({ storage: "memory", direction: "up" as never })).rejects.toThrow(StudyOptionsError);
    await expect(createStudy({ storage: "memory", direction: "up" as never })).rejects.toThrow(/direction: expected "minimize" or "maximize"/);
    await expect(createStudy({ storage: "memory", sampler: {} as never })).rejects.toThrow(/sampler: expected a Sampler/);
    await expect(createStudy({ storage: "memory", direction: "minimize", directions: ["minimize"] })).rejects.toThrow(/not both/);
    await expect(createStudy({ storage: "ftp://x" })).rejects.toThrow(/unsupported storage "ftp:\/\/x"/);
    await expect(createStudy({ storage: "postgres://127.0.0.1:1/none" })).rejects.toThrow(/cannot connect to PostgreSQL at postgres:\/\/127.0.0.1:1\/none/);
  });
});
