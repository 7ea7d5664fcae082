import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DuplicatedStudyError,
  floatDistribution,
  categoricalDistribution,
  StudyNotFoundError,
  TrialNotRunningError,
  type Storage,
} from "hpo";
import { STORAGE_BACKENDS, openBackend, uniqueName } from "../support/backends.ts";

describe.each(STORAGE_BACKENDS)("Storage contract on %s", (backend) => {
  let storage: Storage;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ storage, cleanup } = await openBackend(backend));
  });
  afterAll(() => cleanup());

  it("creates, finds, lists and deletes studies", async () => {
    const name = uniqueName("contract");
    const s = await storage.createStudy(name, ["maximize"]);
    await expect(storage.createStudy(name, ["maximize"])).rejects.toBeInstanceOf(DuplicatedStudyError);
    expect((await storage.findStudy(name))?.directions).toEqual(["maximize"]);
    await storage.setStudyAttrs(s.studyId, "user", { note: "hello", nan: Number.NaN });
    const found = await storage.findStudy(name);
    expect(found?.userAttrs.note).toBe("hello");
    expect(found?.userAttrs.nan).toBeNaN();
    expect((await storage.listStudies()).some((x) => x.studyName === name)).toBe(true);
    await storage.deleteStudy(name);
    expect(await storage.findStudy(name)).toBeNull();
    await expect(storage.deleteStudy(name)).rejects.toBeInstanceOf(StudyNotFoundError);
  });

  it("numbers trials densely and round-trips params, values and non-finite numbers", async () => {
    const s = await storage.createStudy(uniqueName("roundtrip"), ["minimize"]);
    const a = await storage.createTrial(s.studyId, { state: "RUNNING" });
    const b = await storage.createTrial(s.studyId, { state: "RUNNING" });
    expect([a.number, b.number]).toEqual([0, 1]);
    const d = floatDistribution(0, 1);
    const c = categoricalDistribution(["x", null, true]);
    await storage.updateTrial(a.trialId, {
      params: [
        { name: "p", distribution: d, internal: 0.1 + 0.2 },
        { name: "c", distribution: c, internal: 1 },
      ],
      intermediateValues: [
        { step: 0, value: Number.NaN },
        { step: 1, value: Infinity },
        { step: 2, value: -Infinity },
      ],
      userAttrs: { list: [1, "two", null], inf: -Infinity },
    });
    await storage.updateTrial(a.trialId, { finish: { state: "COMPLETE", values: [Number.MIN_VALUE] } });
    await storage.updateTrial(b.trialId, { finish: { state: "COMPLETE", values: [-Infinity] } });
    const t = (await storage.getTrial(a.trialId))!;
    expect(t.state).toBe("COMPLETE");
    expect(t.params).toEqual({ p: 0.1 + 0.2, c: null });
    expect(Object.keys(t.params)).toEqual(["p", "c"]);
    expect(t.distributions.c).toEqual(c);
    expect(t.values).toEqual([Number.MIN_VALUE]);
    expect([...t.intermediateValues.values()]).toEqual([Number.NaN, Infinity, -Infinity]);
    expect(t.userAttrs).toEqual({ list: [1, "two", null], inf: -Infinity });
    expect((await storage.getTrial(b.trialId))!.values).toEqual([-Infinity]);
    expect(t.datetimeComplete!.getTime()).toBeGreaterThanOrEqual(t.datetimeStart!.getTime());
  });

  it("never rewrites a finished trial", async () => {
    const s = await storage.createStudy(uniqueName("final"), ["minimize"]);
    const t = await storage.createTrial(s.studyId, { state: "RUNNING" });
    await storage.updateTrial(t.trialId, { finish: { state: "COMPLETE", values: [1] } });
    await expect(storage.updateTrial(t.trialId, { finish: { state: "FAIL", values: null } })).rejects.toBeInstanceOf(TrialNotRunningError);
    await expect(storage.updateTrial(t.trialId, { intermediateValues: [{ step: 9, value: 1 }] })).rejects.toBeInstanceOf(TrialNotRunningError);
    const again = (await storage.getTrial(t.trialId))!;
    expect(again.state).toBe("COMPLETE");
    expect(again.values).toEqual([1]);
  });

  it("claims WAITING trials once, oldest first", async () => {
    const s = await storage.createStudy(uniqueName("waiting"), ["minimize"]);
    await storage.createTrial(s.studyId, { state: "WAITING", systemAttrs: { fixed_params: { x: 1 } } });
    await storage.createTrial(s.studyId, { state: "WAITING", systemAttrs: { fixed_params: { x: 2 } } });
    const claims = await Promise.all([0, 1, 2].map(() => storage.claimWaitingTrial(s.studyId, "w")));
    const got = claims.filter((c) => c !== null).map((c) => c!.number).sort();
    expect(got).toEqual([0, 1]);
    for (const c of claims) if (c) expect(c.state).toBe("RUNNING");
  });

  it("reads only what changed, and events in sequence", async () => {
    const s = await storage.createStudy(uniqueName("changes"), ["minimize"]);
    const t0 = await storage.createTrial(s.studyId, { state: "RUNNING" });
    const t1 = await storage.createTrial(s.studyId, { state: "RUNNING" });
    const first = await storage.getTrials(s.studyId);
    expect(first.trials.map((t) => t.number)).toEqual([0, 1]);
    await storage.updateTrial(t1.trialId, { intermediateValues: [{ step: 1, value: 0.5 }] });
    const second = await storage.getTrials(s.studyId, { changedSince: first.version });
    expect(second.trials.map((t) => t.number)).toEqual([1]);
    expect(second.version).toBeGreaterThan(first.version);
    const none = await storage.getTrials(s.studyId, { changedSince: second.version });
    expect(none.trials).toEqual([]);
    expect(none.version).toBe(second.version);
    await storage.updateTrial(t0.trialId, { finish: { state: "PRUNED", values: [3] } });
    const events = await storage.readEvents(s.studyId, 0);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.map((e) => e.type)).toEqual(["study_created", "trial_created", "trial_created", "reported", "trial_pruned"]);
    expect(events[3].payload).toEqual({ step: 1, value: 0.5 });
    expect((await storage.readEvents(s.studyId, 3)).map((e) => e.seq)).toEqual([4, 5]);
    const filtered = await storage.getTrials(s.studyId, { states: ["PRUNED"] });
    expect(filtered.trials.map((t) => t.number)).toEqual([0]);
  });

  it("keeps trial numbers dense and unique under concurrent creation", async () => {
    const s = await storage.createStudy(uniqueName("dense"), ["minimize"]);
    const created = await Promise.all(Array.from({ length: 40 }, () => storage.createTrial(s.studyId, { state: "RUNNING" })));
    expect(created.map((t) => t.number).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it("announces committed events to watchers", async () => {
    const s = await storage.createStudy(uniqueName("watch"), ["minimize"]);
    const heard: [number, number][] = [];
    const stop = await storage.watchEvents((studyId, seq) => {
      if (studyId === s.studyId) heard.push([studyId, seq]);
    });
    const t = await storage.createTrial(s.studyId, { state: "RUNNING" });
    await storage.updateTrial(t.trialId, { intermediateValues: [{ step: 0, value: 1 }, { step: 1, value: 2 }] });
    const deadline = Date.now() + 10_000;
    while (heard.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await stop();
    expect(heard.map(([, seq]) => seq)).toEqual([2, 4]);
  });

  it("records which worker ran each trial: created RUNNING, claimed, or created by claimOrCreateTrial", async () => {
    const s = await storage.createStudy(uniqueName("workers"), ["minimize"]);
    const direct = await storage.createTrial(s.studyId, { state: "RUNNING", workerId: "host-a:1:aa" });
    const waiting = await storage.createTrial(s.studyId, { state: "WAITING" });
    expect(direct.workerId).toBe("host-a:1:aa");
    expect(waiting.workerId).toBeUndefined();
    const claimed = await storage.claimWaitingTrial(s.studyId, "host-b:2:bb");
    expect([claimed?.number, claimed?.workerId]).toEqual([1, "host-b:2:bb"]);
    const created = await storage.claimOrCreateTrial(s.studyId, { workerId: "host-c:3:cc" });
    expect([created?.number, created?.workerId]).toEqual([2, "host-c:3:cc"]);
    const bare = await storage.createTrial(s.studyId, { state: "RUNNING" });
    await storage.updateTrial(direct.trialId, { finish: { state: "COMPLETE", values: [1] } });
    const { trials } = await storage.getTrials(s.studyId);
    expect(trials.map((t) => t.workerId ?? null)).toEqual(["host-a:1:aa", "host-b:2:bb", "host-c:3:cc", null]);
    expect((await storage.getTrial(direct.trialId))?.workerId).toBe("host-a:1:aa");
    expect((await storage.getTrial(bare.trialId))?.workerId).toBeUndefined();
    // The feed tells it too: the event that makes a trial RUNNING names its worker.
    const events = await storage.readEvents(s.studyId, 0);
    const running = events.filter((e) => (e.type === "trial_created" && (e.payload as { state: string }).state === "RUNNING") || e.type === "trial_started");
    expect(running.map((e) => [e.trialNumber, (e.payload as { workerId?: string }).workerId ?? null])).toEqual([
      [0, "host-a:1:aa"],
      [1, "host-b:2:bb"],
      [2, "host-c:3:cc"],
      [3, null],
    ]);
  });
});
