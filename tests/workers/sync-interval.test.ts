import { afterEach, describe, expect, it, vi } from "vitest";
import { createStudy, MedianPruner, TPESampler, type Storage, type Study } from "hpo";
import { BACKENDS, openBackend, uniqueName } from "../support/backends.ts";

// Two Study objects on one study behave as two workers: each keeps its own history cache
// and batches its own writes.
async function twoWorkers(storage: Storage, syncInterval: number): Promise<[Study, Study]> {
  const studyName = uniqueName("sync");
  const options = { storage, studyName, loadIfExists: true, syncInterval, pruner: new MedianPruner({ nStartupTrials: 5, nWarmupSteps: 0 }) };
  const a = await createStudy(options);
  const b = await createStudy(options);
  return [a, b];
}

async function completeOne(study: Study, value: number): Promise<void> {
  const t = await study.ask();
  t.suggestFloat("x", 0, 1);
  t.report(value, 0);
  await study.tell(t, value);
}

describe.each(BACKENDS)("syncInterval on %s", (backend) => {
  let cleanup: (() => Promise<void>) | null = null;
  afterEach(async () => {
    await cleanup?.();
    cleanup = null;
  });

  // With an interval, no background read starts during the pause, so the call after it must
  // read storage; with 0, every call reads storage.
  it.each([
    { syncInterval: 0.05, pauseMs: 80 },
    { syncInterval: 0, pauseMs: 0 },
  ])("shouldPrune sees another worker's finished trials (syncInterval $syncInterval, after $pauseMs ms)", async ({ syncInterval, pauseMs }) => {
    const b0 = await openBackend(backend);
    cleanup = b0.cleanup;
    const [a, b] = await twoWorkers(b0.storage, syncInterval);
    for (let i = 0; i < 4; i++) await completeOne(a, 1);
    const t = await b.ask();
    t.report(100, 0);
    // Four finished trials: still in the median pruner's start-up phase.
    expect(await t.shouldPrune()).toBe(false);
    await completeOne(a, 1);
    if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
    expect(await t.shouldPrune()).toBe(true);
    await b.tell(t, "PRUNED");
  });

  it("batches params and reports within the interval and sends the rest with the outcome, in one write", async () => {
    const b0 = await openBackend(backend);
    cleanup = b0.cleanup;
    // A long interval: only the trial's end can send the params and reports.
    const [a] = await twoWorkers(b0.storage, 10);
    const t = await a.ask();
    const x = t.suggestFloat("x", 0, 1);
    t.report(0.5, 0);
    t.report(0.25, 1);
    await new Promise((r) => setTimeout(r, 200));
    const before = await b0.storage.getTrial(t.trialId);
    expect(before?.params).toEqual({});
    expect(before?.intermediateValues.size).toBe(0);
    const writes = vi.spyOn(b0.storage, "updateTrial");
    await a.tell(t, 0.25);
    expect(writes).toHaveBeenCalledTimes(1);
    const stored = await b0.storage.getTrial(t.trialId);
    expect(stored!.params).toEqual({ x });
    expect([...stored!.intermediateValues]).toEqual([[0, 0.5], [1, 0.25]]);
    expect(stored!.state).toBe("COMPLETE");
  });

  it("sends batched params and reports once the interval has passed, so a running trial's retry finds its params", async () => {
    const b0 = await openBackend(backend);
    cleanup = b0.cleanup;
    const [a] = await twoWorkers(b0.storage, 0.05);
    const t = await a.ask();
    const x = t.suggestFloat("x", 0, 1);
    t.report(0.5, 0);
    await vi.waitFor(
      async () => {
        const stored = await b0.storage.getTrial(t.trialId);
        expect(stored?.params.x).toBe(x);
        expect(stored?.intermediateValues.get(0)).toBe(0.5);
      },
      { timeout: 5000, interval: 20 },
    );
    await a.tell(t, 0.5);
  });

  it("defaults to 0.05 s on PostgreSQL and 0 elsewhere, and rejects a negative interval", async () => {
    const b0 = await openBackend(backend);
    cleanup = b0.cleanup;
    const study = await createStudy({ storage: b0.storage, studyName: uniqueName("sync-default") });
    expect(study.workerOptions.syncInterval).toBe(backend === "postgres" ? 0.05 : 0);
    await expect(createStudy({ storage: b0.storage, studyName: uniqueName("sync-bad"), syncInterval: -1 })).rejects.toThrow(/syncInterval/);
  });
});

describe.each(BACKENDS)("history of other workers' running trials on %s", (backend) => {
  it("is skipped unless the sampler or pruner reads RUNNING trials, and tell(number) still finds them", async () => {
    const { storage, cleanup } = await openBackend(backend);
    try {
      const studyName = uniqueName("running");
      const a = await createStudy({ storage, studyName });
      const b = await createStudy({ storage, studyName, loadIfExists: true });
      const liar = await createStudy({ storage, studyName, loadIfExists: true, sampler: new TPESampler({ constantLiar: true }) });
      const t = await a.ask();
      await b.view.refresh();
      await liar.view.refresh();
      expect(b.view.byNumber(t.number)).toBeUndefined();
      expect(liar.view.byNumber(t.number)?.state).toBe("RUNNING");
      // Another worker can still finish it by number.
      const told = await b.tell(t.number, 1);
      expect(told.state).toBe("COMPLETE");
      await b.view.refresh();
      expect(b.view.byNumber(t.number)?.state).toBe("COMPLETE");
    } finally {
      await cleanup();
    }
  });
});
