import { describe, expect, it, vi } from "vitest";
import { createStudy, InMemoryStorage, TrialFinishedError } from "hpo";

describe("trial.signal", () => {
  it("aborts a running objective when optimize is interrupted; the trial ends FAIL (interrupted)", async () => {
    const study = await createStudy({ storage: new InMemoryStorage() });
    const controller = new AbortController();
    let seen: unknown = null;
    const result = await study.optimize(
      async (trial) => {
        setTimeout(() => controller.abort(), 20);
        await new Promise((_, reject) => trial.signal.addEventListener("abort", () => reject(trial.signal.reason), { once: true })).catch((e) => {
          seen = e;
        });
        return 1;
      },
      { nTrials: 1, signal: controller.signal },
    );
    expect(result.reason).toBe("interrupted");
    await vi.waitFor(() => expect(seen).toBeInstanceOf(TrialFinishedError));
    expect((seen as Error).message).toMatch(/ended: FAIL \(interrupted\)/);
    const [trial] = await study.trials();
    expect(trial.state).toBe("FAIL");
  });

  it("aborts when another worker failed the trial as stale", async () => {
    const storage = new InMemoryStorage();
    const study = await createStudy({ storage });
    const trial = await study.ask();
    expect(trial.signal.aborted).toBe(false);
    // Another worker decides this one is dead.
    await storage.failStaleTrials(study.studyId, { graceMs: 0, maxRetries: 0 });
    trial.report(1, 0);
    await vi.waitFor(() => expect(trial.signal.aborted).toBe(true));
    expect((trial.signal.reason as Error).name).toBe("TrialNotRunningError");
  });

  it("is not aborted while the trial runs, and is once it has ended", async () => {
    const study = await createStudy({ storage: new InMemoryStorage() });
    const trial = await study.ask();
    trial.report(1, 0);
    await trial.shouldPrune();
    expect(trial.signal.aborted).toBe(false);
    await study.tell(trial, 1);
    expect(trial.signal.aborted).toBe(true);
  });
});
