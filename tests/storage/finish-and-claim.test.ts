/**
 * `finishTrialAndClaim`: a worker's trial end and next ask in one round trip (where a storage
 * offers it) finishes the trial as updateTrial does, then claims or creates the next trial
 * as claimOrCreateTrial does, and reads what getTrials would have read before both; a
 * refused finish claims nothing. The optimize loop uses it when it knows it goes on.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createStudy, TrialNotRunningError, type Storage } from "hpo";
import { BACKENDS, openBackend, uniqueName } from "../support/backends.ts";

// The SQL backends offer it (one statement on the server); the memory storage has no round
// trip to save and does not, which the loop handles by finishing and asking apart.
const OFFERING = BACKENDS.filter((b) => b !== "memory");
const X = { type: "float", low: 0, high: 1, log: false, step: null } as const;

describe.each(OFFERING)("finishTrialAndClaim on %s", (backend) => {
  let storage: Storage;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ storage, cleanup } = await openBackend(backend));
  });
  afterAll(() => cleanup());

  it("finishes as updateTrial does, claims the oldest WAITING trial, then creates, and reads the changes from before", async () => {
    expect(storage.finishTrialAndClaim, `${backend} offers the one-round-trip finish and claim`).toBeTypeOf("function");
    const finishAndClaim = storage.finishTrialAndClaim!.bind(storage);
    const s = await storage.createStudy(uniqueName("finish-claim"), ["minimize"]);
    const start = await storage.getTrials(s.studyId);
    const other = await storage.createTrial(s.studyId, { state: "RUNNING", workerId: "w0" });
    await storage.updateTrial(other.trialId, { finish: { state: "COMPLETE", values: [7] } });
    const waiting = await storage.createTrial(s.studyId, { state: "WAITING", params: [{ name: "x", internal: 0.5, distribution: X }] });
    const mine = await storage.createTrial(s.studyId, { state: "RUNNING", workerId: "w1" });
    const expected = await storage.getTrials(s.studyId, { changedSince: start.version, states: ["COMPLETE"] });

    const patch = {
      params: [{ name: "x", internal: 0.25, distribution: X }],
      intermediateValues: [{ step: 0, value: 2 }],
      metrics: [{ step: 0, name: "bleu", value: 0.5 }],
      userAttrs: { note: "a" },
      finish: { state: "COMPLETE" as const, values: [3] },
    };
    const first = await finishAndClaim(mine.trialId, patch, s.studyId, { workerId: "w1" }, { changedSince: start.version, states: ["COMPLETE"], excludeTrialIds: [mine.trialId] });
    expect(first.changed).toEqual(expected);
    // The enqueued trial, whole: its params came with it.
    expect([first.trial?.number, first.trial?.state, first.trial?.workerId, first.trial?.params]).toEqual([waiting.number, "RUNNING", "w1", { x: 0.5 }]);
    const finished = await storage.getTrial(mine.trialId);
    expect([finished?.state, finished?.value, finished?.params, [...finished!.intermediateValues], finished?.userAttrs]).toEqual(["COMPLETE", 3, { x: 0.25 }, [[0, 2]], { note: "a" }]);

    // The same events as a finish and a claim apart: the finish's, then the claim's.
    const events = await storage.readEvents(s.studyId, expected.version);
    expect(events.map((e) => [e.type, e.trialNumber])).toEqual([
      ["param_set", mine.number],
      ["reported", mine.number],
      ["trial_attr_set", mine.number],
      ["trial_completed", mine.number],
      ["trial_started", waiting.number],
    ]);

    // None WAITING: a new trial, numbered next.
    const second = await finishAndClaim(first.trial!.trialId, { finish: { state: "PRUNED", values: null } }, s.studyId, { workerId: "w1" }, { changedSince: first.changed!.version });
    expect([second.trial?.number, second.trial?.state, second.trial?.workerId]).toEqual([mine.number + 1, "RUNNING", "w1"]);
    expect((await storage.getTrial(first.trial!.trialId))?.state).toBe("PRUNED");

    // The budget is used: the finish applies, no trial is claimed.
    const third = await finishAndClaim(second.trial!.trialId, { finish: { state: "COMPLETE", values: [1] } }, s.studyId, { workerId: "w1", maxTrials: 4 }, {});
    expect(third.trial).toBeNull();
    expect((await storage.getTrial(second.trial!.trialId))?.state).toBe("COMPLETE");
    expect((await storage.countTrials(s.studyId)).byState).toMatchObject({ RUNNING: 0, WAITING: 0, COMPLETE: 3, PRUNED: 1 });
  });

  it("claims nothing when the finish is refused (the trial is no longer RUNNING, or a param conflicts)", async () => {
    const s = await storage.createStudy(uniqueName("finish-claim-refused"), ["minimize"]);
    const done = await storage.createTrial(s.studyId, { state: "RUNNING", workerId: "w1", params: [{ name: "x", internal: 0.5, distribution: X }] });
    await storage.updateTrial(done.trialId, { finish: { state: "FAIL", values: null } });
    await expect(storage.finishTrialAndClaim!(done.trialId, { finish: { state: "COMPLETE", values: [1] } }, s.studyId, { workerId: "w1" }, {})).rejects.toBeInstanceOf(
      TrialNotRunningError,
    );
    const running = await storage.createTrial(s.studyId, { state: "RUNNING", workerId: "w1", params: [{ name: "x", internal: 0.5, distribution: X }] });
    await expect(
      storage.finishTrialAndClaim!(running.trialId, { params: [{ name: "x", internal: 0.75, distribution: X }], finish: { state: "COMPLETE", values: [1] } }, s.studyId, { workerId: "w1" }, {}),
    ).rejects.toThrow(/already has param "x"/);
    const counts = await storage.countTrials(s.studyId);
    expect(counts.byState).toMatchObject({ RUNNING: 1, FAIL: 1, COMPLETE: 0 });
    expect((await storage.getTrials(s.studyId)).trials.map((t) => t.number)).toEqual([done.number, running.number]);
  });

  it("fails as interrupted a trial claimed ahead when the run is aborted during the finish that claimed it", async () => {
    const study = await createStudy({ storage, studyName: uniqueName("loop-abort") });
    const controller = new AbortController();
    const real = storage.finishTrialAndClaim!.bind(storage);
    const spy = vi.spyOn(storage, "finishTrialAndClaim").mockImplementation(async (...args) => {
      // The abort comes while the finish (and its claim) is on its way.
      const out = real(...args);
      controller.abort();
      return out;
    });
    try {
      const result = await study.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 5, signal: controller.signal });
      expect(result.reason).toBe("interrupted");
      // The loop releases the claimed trial once its finish is back.
      await vi.waitFor(async () => expect((await study.trials()).map((t) => t.state)).toEqual(["COMPLETE", "FAIL"]), { timeout: 5000 });
      const [, claimed] = await study.trials();
      expect(claimed.systemAttrs.fail_reason).toBe("interrupted");
      expect(claimed.params).toEqual({});
    } finally {
      spy.mockRestore();
    }
  });
});

describe.each(BACKENDS)("the optimize loop's finish and next claim on %s", (backend) => {
  let storage: Storage;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ storage, cleanup } = await openBackend(backend));
  });
  afterAll(() => cleanup());

  /** Counts the storage's claims and one-round-trip finishes while `fn` runs. */
  async function counting<T>(fn: () => Promise<T>): Promise<{ result: T; claims: number; finishAndClaims: number }> {
    const claims = [vi.spyOn(storage, "claimOrCreateTrial"), ...(storage.claimOrCreateTrialWithChanges ? [vi.spyOn(storage, "claimOrCreateTrialWithChanges")] : [])];
    const merged = storage.finishTrialAndClaim ? vi.spyOn(storage, "finishTrialAndClaim") : null;
    try {
      const result = await fn();
      return { result, claims: claims.reduce((n, spy) => n + spy.mock.calls.length, 0), finishAndClaims: merged?.mock.calls.length ?? 0 };
    } finally {
      for (const spy of claims) spy.mockRestore();
      merged?.mockRestore();
    }
  }

  it("claims each next trial with the last one's finish: nTrials trials, none left over", async () => {
    const study = await createStudy({ storage, studyName: uniqueName("loop-claims") });
    const run = await counting(() => study.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 6 }));
    expect(run.result).toEqual({ reason: "completed", finished: 6 });
    const trials = await study.trials();
    expect(trials.map((t) => t.state)).toEqual(Array(6).fill("COMPLETE"));
    if (storage.finishTrialAndClaim) expect([run.claims, run.finishAndClaims]).toEqual([1, 5]);
    else expect([run.claims, run.finishAndClaims]).toEqual([6, 0]);
  });

  it("runs a trial claimed before the timeout, leaves none RUNNING or FAIL, and stops within the budget", async () => {
    const timed = await createStudy({ storage, studyName: uniqueName("loop-timeout") });
    const sleep = () => new Promise((r) => setTimeout(r, 20));
    const byTime = await timed.optimize(async (t) => (await sleep(), t.suggestFloat("x", 0, 1)), { timeout: 0.25 });
    expect(byTime.reason).toBe("timeout");
    const states = (await timed.trials()).map((t) => t.state);
    expect(states.length).toBe(byTime.finished);
    expect(new Set(states)).toEqual(new Set(["COMPLETE"]));

    const budgeted = await createStudy({ storage, studyName: uniqueName("loop-budget") });
    const byBudget = await budgeted.optimize((t) => t.suggestFloat("x", 0, 1), { budget: 4 });
    expect(byBudget).toEqual({ reason: "completed", finished: 4 });
    expect((await budgeted.trials()).map((t) => t.state)).toEqual(Array(4).fill("COMPLETE"));
  });

  it("claims apart when callbacks run between trials", async () => {
    const study = await createStudy({ storage, studyName: uniqueName("loop-callbacks") });
    const seen: number[] = [];
    const run = await counting(() => study.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 3, callbacks: [(_s, t) => void seen.push(t.number)] }));
    expect(seen).toEqual([0, 1, 2]);
    expect([run.claims, run.finishAndClaims]).toEqual([3, 0]);
  });
});
