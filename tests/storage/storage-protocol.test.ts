import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { floatDistribution, intDistribution, StorageError, type Storage, type StudyEvent } from "hpo";
import { STORAGE_BACKENDS, openBackend, uniqueName } from "../support/backends.ts";

/**
 * The storage protocol every backend speaks: which events each write appends, in which order,
 * with which payloads and sequence numbers; what a second write of a param does; how a stale
 * trial is failed and retried. Memory, PGlite, PostgreSQL and a worker's storage through its
 * parent process must agree event for event.
 */
describe.each(STORAGE_BACKENDS)("Storage protocol on %s", (backend) => {
  let storage: Storage;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ storage, cleanup } = await openBackend(backend));
  });
  afterAll(() => cleanup());

  const x = floatDistribution(0, 1);
  const n = intDistribution(1, 9);
  /** Events after `afterSeq` without their timestamps and study id. */
  const eventsAfter = async (studyId: number, afterSeq: number) =>
    (await storage.readEvents(studyId, afterSeq)).map((e: StudyEvent) => ({ seq: e.seq, type: e.type, trialNumber: e.trialNumber, payload: e.payload }));
  /** The seq of the study's last event, read from the log itself. */
  const lastSeq = async (studyId: number) => (await storage.readEvents(studyId, 0)).at(-1)!.seq;

  it("declares its kind and traits", () => {
    expect(storage.kind).toBe(backend);
    const traits = {
      memory: { sharedAcrossProcesses: false, remoteRoundTrips: false, acknowledgesBeforeDurable: false },
      pglite: { sharedAcrossProcesses: false, remoteRoundTrips: false, acknowledgesBeforeDurable: false },
      postgres: { sharedAcrossProcesses: true, remoteRoundTrips: true, acknowledgesBeforeDurable: true },
      // The parent and sibling workers write the same studies; the parent's storage is local.
      ipc: { sharedAcrossProcesses: true, remoteRoundTrips: false, acknowledgesBeforeDurable: false },
    };
    expect(storage.traits).toEqual(traits[backend as keyof typeof traits]);
  });

  it("appends the same events with the same sequence numbers for every write", async () => {
    const name = uniqueName("protocol");
    const s = await storage.createStudy(name, ["minimize"]);
    await storage.setStudyAttrs(s.studyId, "user", { a: 1 });
    await storage.createTrial(s.studyId, { state: "WAITING", params: [{ name: "x", distribution: x, internal: 0.25 }], userAttrs: { u: 1 }, systemAttrs: { fixed_params: { x: 0.25 } } });
    const claimed = (await storage.claimOrCreateTrial(s.studyId, { workerId: "w1" }))!;
    const created = (await storage.claimOrCreateTrial(s.studyId, { workerId: "w2" }))!;
    expect([claimed.number, claimed.params, created.number, created.workerId]).toEqual([0, { x: 0.25 }, 1, "w2"]);
    await storage.updateTrial(created.trialId, {
      params: [{ name: "n", distribution: n, internal: 3 }],
      intermediateValues: [{ step: 0, value: 0.5 }],
      metrics: [{ step: 0, name: "acc", value: 0.9 }],
      userAttrs: { k: "v" },
    });
    await storage.updateTrial(created.trialId, { finish: { state: "COMPLETE", values: [1.5] } });
    await storage.updateTrial(claimed.trialId, { systemAttrs: { fail_reason: "boom" }, finish: { state: "FAIL", values: null } });
    expect(await storage.retryFailedTrials(s.studyId, { reasons: ["boom"], maxRetries: 2 })).toEqual([{ failed: 0, retry: 2, reason: "boom" }]);
    expect((await storage.claimOrCreateTrial(s.studyId, { workerId: "w3", maxTrials: 2 }))?.number).toBe(2);
    // The budget: trial 0 was retried, so trials 1 and 2 use both places.
    expect(await storage.claimOrCreateTrial(s.studyId, { workerId: "w3", maxTrials: 2 })).toBeNull();

    expect(await eventsAfter(s.studyId, 0)).toEqual([
      { seq: 1, type: "study_created", trialNumber: null, payload: { studyName: name, directions: ["minimize"] } },
      { seq: 2, type: "study_attr_set", trialNumber: null, payload: { kind: "user", key: "a", value: 1 } },
      { seq: 3, type: "trial_created", trialNumber: 0, payload: { state: "WAITING", params: { x: 0.25 }, userAttrs: { u: 1 }, systemAttrs: { fixed_params: { x: 0.25 } } } },
      { seq: 4, type: "trial_started", trialNumber: 0, payload: { workerId: "w1" } },
      { seq: 5, type: "trial_created", trialNumber: 1, payload: { state: "RUNNING", params: {}, userAttrs: {}, systemAttrs: {}, workerId: "w2" } },
      { seq: 6, type: "param_set", trialNumber: 1, payload: { name: "n", value: 3, distribution: n } },
      { seq: 7, type: "reported", trialNumber: 1, payload: { step: 0, value: 0.5, metrics: { acc: 0.9 } } },
      { seq: 8, type: "trial_attr_set", trialNumber: 1, payload: { kind: "user", key: "k", value: "v" } },
      { seq: 9, type: "trial_completed", trialNumber: 1, payload: { state: "COMPLETE", values: [1.5] } },
      { seq: 10, type: "trial_attr_set", trialNumber: 0, payload: { kind: "system", key: "fail_reason", value: "boom" } },
      { seq: 11, type: "trial_failed", trialNumber: 0, payload: { state: "FAIL", values: null, reason: "boom" } },
      {
        seq: 12,
        type: "trial_created",
        trialNumber: 2,
        payload: { state: "WAITING", params: {}, userAttrs: {}, systemAttrs: { fixed_params: { x: 0.25 }, retry_of: 0, retry_root: 0, retry_count: 1 } },
      },
      { seq: 13, type: "trial_retried", trialNumber: 0, payload: { retry: 2, retryCount: 1 } },
      { seq: 14, type: "trial_started", trialNumber: 2, payload: { workerId: "w3" } },
    ]);
    // A trial's version is the seq of its last event.
    const changed = await storage.getTrials(s.studyId, { changedSince: 9 });
    expect([changed.trials.map((t) => t.number), changed.version]).toEqual([[0, 2], 14]);
    expect(await storage.headSeq(s.studyId)).toBe(14);
    expect((await storage.listStudies()).find((x) => x.studyId === s.studyId)?.lastEventSeq).toBe(14);
    await storage.deleteStudy(name);
    await expect(storage.headSeq(s.studyId)).rejects.toBeInstanceOf(StorageError);
  });

  it("refuses a second, different value of a param with an error naming it, and takes a re-sent one", async () => {
    const s = await storage.createStudy(uniqueName("dup-param"), ["minimize"]);
    const t = await storage.createTrial(s.studyId, { state: "RUNNING" });
    await storage.updateTrial(t.trialId, { params: [{ name: "lr", distribution: x, internal: 0.25 }] });
    const head = await lastSeq(s.studyId);
    // The same write again (a retry after a lost connection, a whole-trial copy) changes nothing.
    await storage.updateTrial(t.trialId, { params: [{ name: "lr", distribution: x, internal: 0.25 }] });
    expect((await eventsAfter(s.studyId, head)).map((e) => e.type)).toEqual(["param_set"]);
    const before = await lastSeq(s.studyId);
    const refused = [
      { params: [{ name: "lr", distribution: x, internal: 0.5 }], userAttrs: { after: 1 } },
      { params: [{ name: "lr", distribution: floatDistribution(0, 2), internal: 0.25 }] },
      { params: [{ name: "wd", distribution: x, internal: 0.1 }, { name: "wd", distribution: x, internal: 0.2 }] },
    ];
    for (const patch of refused) {
      const error = await storage.updateTrial(t.trialId, patch).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(StorageError);
      expect((error as Error).message).toMatch(new RegExp(`trial 0 .*param "${patch.params[0].name}"`));
    }
    // Refused patches change nothing at all.
    expect(await lastSeq(s.studyId)).toBe(before);
    const stored = (await storage.getTrial(t.trialId))!;
    expect([stored.params, stored.userAttrs]).toEqual([{ lr: 0.25 }, {}]);
  });

  it("fails a stale trial with its reason as an attr and a trial_failed event, then enqueues its retry", async () => {
    const s = await storage.createStudy(uniqueName("stale"), ["minimize"]);
    await storage.createTrial(s.studyId, { state: "RUNNING", workerId: "host-a:1:aa", params: [{ name: "x", distribution: x, internal: 0.5 }] });
    await storage.createTrial(s.studyId, { state: "RUNNING" });
    const head = await lastSeq(s.studyId);
    const ended = "stale: the process running it ended";
    const reason0 = `${ended} (worker host-a:1:aa)`;
    expect(await storage.failStaleTrials(s.studyId, { graceMs: 0, maxRetries: 1 })).toEqual([
      { failed: 0, retry: 2, reason: reason0 },
      { failed: 1, retry: 3, reason: ended },
    ]);
    const retryAttrs = (of: number, fixed: Record<string, number>) => ({ fixed_params: fixed, retry_of: of, retry_root: of, retry_count: 1 });
    expect(await eventsAfter(s.studyId, head)).toEqual([
      { seq: head + 1, type: "trial_attr_set", trialNumber: 0, payload: { kind: "system", key: "fail_reason", value: reason0 } },
      { seq: head + 2, type: "trial_failed", trialNumber: 0, payload: { state: "FAIL", values: null, reason: reason0 } },
      { seq: head + 3, type: "trial_created", trialNumber: 2, payload: { state: "WAITING", params: {}, userAttrs: {}, systemAttrs: retryAttrs(0, { x: 0.5 }) } },
      { seq: head + 4, type: "trial_retried", trialNumber: 0, payload: { retry: 2, retryCount: 1 } },
      { seq: head + 5, type: "trial_attr_set", trialNumber: 1, payload: { kind: "system", key: "fail_reason", value: ended } },
      { seq: head + 6, type: "trial_failed", trialNumber: 1, payload: { state: "FAIL", values: null, reason: ended } },
      { seq: head + 7, type: "trial_created", trialNumber: 3, payload: { state: "WAITING", params: {}, userAttrs: {}, systemAttrs: retryAttrs(1, {}) } },
      { seq: head + 8, type: "trial_retried", trialNumber: 1, payload: { retry: 3, retryCount: 1 } },
    ]);
    const { trials } = await storage.getTrials(s.studyId);
    expect(trials.map((t) => [t.state, t.systemAttrs.fail_reason ?? null])).toEqual([
      ["FAIL", reason0],
      ["FAIL", ended],
      ["WAITING", null],
      ["WAITING", null],
    ]);
    // With a grace period, the reason says how long the heartbeat was silent.
    const claimed = (await storage.claimWaitingTrial(s.studyId, "host-b:2:bb"))!;
    await new Promise((r) => setTimeout(r, 30));
    const [late] = await storage.failStaleTrials(s.studyId, { graceMs: 10, maxRetries: 1 });
    expect([late.failed, late.retry]).toEqual([claimed.number, null]);
    expect(late.reason).toMatch(/^stale: no heartbeat for \d+\.\d s \(worker host-b:2:bb\)$/);
  });
});
