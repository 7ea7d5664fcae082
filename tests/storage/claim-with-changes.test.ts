/**
 * `claimOrCreateTrialWithChanges`: a worker's ask in one round trip (where a storage offers
 * it) claims or creates as claimOrCreateTrial does and reads the changes getTrials would
 * have read just before the claim.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Storage } from "hpo";
import { BACKENDS, openBackend, uniqueName } from "../support/backends.ts";

// The SQL backends offer it (one statement on the server); the memory storage has no round
// trip to save and does not, which the study handles by claiming after its read.
const OFFERING = BACKENDS.filter((b) => b !== "memory");

describe.each(OFFERING)("claimOrCreateTrialWithChanges on %s", (backend) => {
  let storage: Storage;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ storage, cleanup } = await openBackend(backend));
  });
  afterAll(() => cleanup());

  it("reads what getTrials would have read before the claim, and claims the oldest WAITING trial, then creates", async () => {
    expect(storage.claimOrCreateTrialWithChanges, `${backend} offers the one-round-trip claim`).toBeTypeOf("function");
    const claimWithChanges = storage.claimOrCreateTrialWithChanges!.bind(storage);
    const s = await storage.createStudy(uniqueName("claim-changes"), ["minimize"]);
    const a = await storage.createTrial(s.studyId, { state: "RUNNING", workerId: "w0" });
    const start = await storage.getTrials(s.studyId);
    await storage.updateTrial(a.trialId, { intermediateValues: [{ step: 0, value: 1 }], finish: { state: "COMPLETE", values: [3] } });
    const waiting = await storage.createTrial(s.studyId, { state: "WAITING", params: [{ name: "x", internal: 0.5, distribution: { type: "float", low: 0, high: 1, log: false, step: null } }] });
    const expected = await storage.getTrials(s.studyId, { changedSince: start.version, states: ["COMPLETE"] });

    const first = await claimWithChanges(s.studyId, { workerId: "w1" }, { changedSince: start.version, states: ["COMPLETE"] });
    expect(first.changed.version).toBe(expected.version);
    expect(first.changed.trials.map((t) => [t.number, t.state, t.value, [...t.intermediateValues]])).toEqual([[a.number, "COMPLETE", 3, [[0, 1]]]]);
    // The enqueued trial, whole: its params came with it.
    expect([first.trial?.number, first.trial?.state, first.trial?.params]).toEqual([waiting.number, "RUNNING", { x: 0.5 }]);

    // Nothing changed but the claim itself (read next time); none WAITING: a new trial.
    const second = await claimWithChanges(s.studyId, { workerId: "w1" }, { changedSince: first.changed.version });
    expect(second.changed.trials.map((t) => [t.number, t.state, t.workerId])).toEqual([[waiting.number, "RUNNING", "w1"]]);
    expect([second.trial?.number, second.trial?.state, second.trial?.workerId]).toEqual([waiting.number + 1, "RUNNING", "w1"]);
    const after = await storage.getTrials(s.studyId, { changedSince: second.changed.version });
    expect(after.trials.map((t) => t.number)).toEqual([second.trial!.number]);

    // The budget is used: no trial, the changes all the same.
    const none = await claimWithChanges(s.studyId, { workerId: "w1", maxTrials: 3 }, { changedSince: second.changed.version, excludeTrialIds: [second.trial!.trialId] });
    expect(none.trial).toBeNull();
    expect(none.changed).toEqual({ trials: [], version: after.version });
  });
});
