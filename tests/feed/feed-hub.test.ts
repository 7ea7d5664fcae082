import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FeedHub, type FeedServerMessage, type Storage } from "hpo";
import { BACKENDS, openBackend, uniqueName } from "../support/backends.ts";
import { SessionProbe } from "./session-probe.ts";

const is =
  <T extends FeedServerMessage["type"]>(type: T) =>
  (m: FeedServerMessage): m is Extract<FeedServerMessage, { type: T }> =>
    m.type === type;

describe.each(BACKENDS)("feed core on %s", (backend) => {
  let storage: Storage;
  let cleanup: () => Promise<void>;
  let hub: FeedHub;

  beforeAll(async () => {
    ({ storage, cleanup } = await openBackend(backend));
    hub = await FeedHub.open(storage, { pollMs: 200, log: () => undefined });
  });
  afterAll(async () => {
    await hub.close();
    await cleanup();
  });

  /** A study with one finished trial (3 reports); returns its id and head seq. */
  async function studyWithHistory(prefix: string) {
    const name = uniqueName(prefix);
    const s = await storage.createStudy(name, ["minimize"]);
    const t = await storage.createTrial(s.studyId, { state: "RUNNING" });
    await storage.updateTrial(t.trialId, { intermediateValues: [{ step: 0, value: 3 }, { step: 1, value: 2 }, { step: 2, value: 1 }] });
    await storage.updateTrial(t.trialId, { finish: { state: "COMPLETE", values: [1] } });
    return { name, studyId: s.studyId };
  }

  async function head(studyId: number) {
    return (await storage.getTrials(studyId, { changedSince: Number.MAX_SAFE_INTEGER })).version;
  }

  it("sends a snapshot, then every later event once and in order", async () => {
    const { name, studyId } = await studyWithHistory("snap");
    const probe = new SessionProbe(hub.openSession());
    probe.send({ type: "subscribe", study: name, id: "s1" });
    const snap = await probe.waitFor(is("snapshot"));
    expect(snap.id).toBe("s1");
    expect(snap.seq).toBe(await head(studyId));
    expect(snap.trials).toHaveLength(1);
    expect(snap.trials[0]).toMatchObject({ number: 0, state: "COMPLETE", value: 1, intermediate: [[0, 3], [1, 2], [2, 1]] });

    const t = await storage.createTrial(studyId, { state: "RUNNING" });
    for (let step = 0; step < 3; step++) await storage.updateTrial(t.trialId, { intermediateValues: [{ step, value: step * 0.5 }] });
    await storage.updateTrial(t.trialId, { finish: { state: "PRUNED", values: null } });
    const last = await head(studyId);
    await probe.waitForSeq(name, last);
    const stored = await storage.readEvents(studyId, snap.seq);
    expect(probe.events(name)).toEqual(stored.map((e) => ({ seq: e.seq, type: e.type, trial: e.trialNumber, payload: e.payload, at: e.createdAt.toISOString() })));
    expect(probe.events(name).map((e) => e.type)).toEqual(["trial_created", "reported", "reported", "reported", "trial_pruned"]);
  });

  it("replays exactly the events after `since`, then live ones", async () => {
    const { name, studyId } = await studyWithHistory("since");
    const before = await head(studyId);
    const probe = new SessionProbe(hub.openSession());
    probe.send({ type: "subscribe", study: name, since: 2, studyId, id: 7 });
    const ack = await probe.waitFor(is("subscribed"));
    expect(ack).toMatchObject({ id: 7, study: name, studyId, since: 2, head: before });
    await probe.waitForSeq(name, before);
    const t = await storage.createTrial(studyId, { state: "RUNNING" });
    await storage.updateTrial(t.trialId, { intermediateValues: [{ step: 0, value: 9 }] });
    const after = await head(studyId);
    await probe.waitForSeq(name, after);
    expect(probe.events(name).map((e) => e.seq)).toEqual(Array.from({ length: after - 2 }, (_, i) => i + 3));
    expect(probe.messages.some((m) => m.type === "snapshot")).toBe(false);
  });

  it("answers a `since` from another incarnation of the study, or from the future, with a snapshot", async () => {
    const { name, studyId } = await studyWithHistory("reset");
    const probe = new SessionProbe(hub.openSession());
    probe.send({ type: "subscribe", study: name, since: 3, studyId: studyId + 1000 });
    expect((await probe.waitFor(is("snapshot"))).study.studyId).toBe(studyId);
    const n = probe.messages.length;
    probe.send({ type: "subscribe", study: name, since: (await head(studyId)) + 50 });
    expect((await probe.waitFor(is("snapshot"), 10_000, n)).seq).toBe(await head(studyId));
  });

  it("keeps the study's order across concurrent writers", async () => {
    const name = uniqueName("concurrent");
    const s = await storage.createStudy(name, ["maximize"]);
    const probe = new SessionProbe(hub.openSession());
    probe.send({ type: "subscribe", study: name });
    const snap = await probe.waitFor(is("snapshot"));
    // Six writers at once, each a trial reporting 10 steps one transaction at a time.
    await Promise.all(
      Array.from({ length: 6 }, async (_, w) => {
        const t = await storage.createTrial(s.studyId, { state: "RUNNING" });
        for (let step = 0; step < 10; step++) await storage.updateTrial(t.trialId, { intermediateValues: [{ step, value: w * 100 + step }] });
        await storage.updateTrial(t.trialId, { finish: { state: "COMPLETE", values: [w] } });
      }),
    );
    const last = await head(s.studyId);
    await probe.waitForSeq(name, last);
    const got = probe.events(name);
    expect(got.map((e) => e.seq)).toEqual(Array.from({ length: last - snap.seq }, (_, i) => snap.seq + 1 + i));
    expect(got.map((e) => [e.type, e.trial, e.payload])).toEqual((await storage.readEvents(s.studyId, snap.seq)).map((e) => [e.type, e.trialNumber, e.payload]));
    // Within each trial, steps arrive in the order they were reported.
    for (let trial = 0; trial < 6; trial++) {
      const steps = got.filter((e) => e.trial === trial && e.type === "reported").map((e) => e.payload.step);
      expect(steps).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
  });

  it("keeps two studies on one session apart", async () => {
    const a = await studyWithHistory("two-a");
    const b = await studyWithHistory("two-b");
    const probe = new SessionProbe(hub.openSession());
    probe.send({ type: "subscribe", study: a.name });
    probe.send({ type: "subscribe", study: b.name });
    await probe.waitFor((m) => m.type === "snapshot" && m.study.name === a.name);
    await probe.waitFor((m) => m.type === "snapshot" && m.study.name === b.name);
    const ta = await storage.createTrial(a.studyId, { state: "RUNNING" });
    const tb = await storage.createTrial(b.studyId, { state: "RUNNING" });
    for (let step = 0; step < 4; step++) {
      await storage.updateTrial(ta.trialId, { intermediateValues: [{ step, value: 1 }] });
      await storage.updateTrial(tb.trialId, { intermediateValues: [{ step, value: 2 }] });
    }
    await probe.waitForSeq(a.name, await head(a.studyId));
    await probe.waitForSeq(b.name, await head(b.studyId));
    const values = (study: string) => probe.events(study).filter((e) => e.type === "reported").map((e) => e.payload.value);
    expect(values(a.name)).toEqual([1, 1, 1, 1]);
    expect(values(b.name)).toEqual([2, 2, 2, 2]);
    for (const m of probe.messages) if (m.type === "events") expect(m.studyId).toBe(m.study === a.name ? a.studyId : b.studyId);
  });

  it("tells a slow client to resync without slowing the others, and a resubscribe fills the gap exactly", async () => {
    const tight = await FeedHub.open(storage, { maxQueuedFrames: 4, pollMs: 0, log: () => undefined });
    try {
      const { name, studyId } = await studyWithHistory("slow");
      const fast = new SessionProbe(tight.openSession());
      const slow = new SessionProbe(tight.openSession());
      fast.send({ type: "subscribe", study: name });
      slow.send({ type: "subscribe", study: name });
      await fast.waitFor(is("snapshot"));
      const snap = await slow.waitFor(is("snapshot"));
      slow.pause();
      const t = await storage.createTrial(studyId, { state: "RUNNING" });
      for (let step = 0; step < 12; step++) {
        await storage.updateTrial(t.trialId, { intermediateValues: [{ step, value: step }] });
        // One batch per report: the fast client has it before the next one is written.
        await fast.waitForSeq(name, await head(studyId));
      }
      expect(fast.events(name)).toHaveLength(13);
      expect(tight.stats.resyncs).toBe(1);
      expect(tight.stats.droppedEvents).toBeGreaterThan(0);

      slow.resume();
      const resync = await slow.waitFor(is("resync"));
      expect(resync).toMatchObject({ study: name, studyId, reason: "slow_client" });
      const beforeResync = slow.events(name);
      expect(resync.since).toBe(beforeResync.at(-1)?.seq ?? snap.seq);
      slow.send({ type: "subscribe", study: name, since: resync.since, studyId });
      await slow.waitForSeq(name, await head(studyId));
      expect(slow.events(name).map((e) => e.seq)).toEqual(fast.events(name).map((e) => e.seq));
    } finally {
      await tight.close();
    }
  });

  it("answers malformed messages with an error and keeps the session", async () => {
    const { name } = await studyWithHistory("malformed");
    const probe = new SessionProbe(hub.openSession());
    const bad: [unknown, RegExp][] = [
      ["{not json", /not JSON/],
      [{ type: "subscribe" }, /study/],
      [{ type: "subscribe", study: name, since: -1 }, /since/],
      [{ type: "subscribe", study: name, since: 1.5 }, /since/],
      [{ type: "dance" }, /type/],
      [{ type: "subscribe", study: name, sinse: 3, id: "typo" }, /sinse/],
      [[1, 2, 3], /invalid/],
    ];
    for (const [message] of bad) probe.send(typeof message === "string" ? message : JSON.stringify(message));
    probe.session.receive(null);
    const errors = async () => {
      await probe.waitFor(() => probe.messages.filter((m) => m.type === "error").length >= bad.length + 1);
      return probe.messages.filter(is("error"));
    };
    const got = await errors();
    got.slice(0, bad.length).forEach((e, i) => {
      expect(e.code).toBe("bad_message");
      expect(e.message).toMatch(bad[i][1]);
    });
    expect(got[5].id).toBe("typo");
    expect(got[bad.length].message).toMatch(/text/);
    probe.send({ type: "subscribe", study: "no-such-study", id: 1 });
    expect(await probe.waitFor((m) => m.type === "error" && m.id === 1)).toMatchObject({ code: "unknown_study", study: "no-such-study" });
    probe.send({ type: "subscribe", study: name, id: 2 });
    expect((await probe.waitFor(is("snapshot"))).id).toBe(2);
  });

  it("stops a study's events after unsubscribe", async () => {
    const { name, studyId } = await studyWithHistory("unsub");
    const probe = new SessionProbe(hub.openSession());
    probe.send({ type: "subscribe", study: name });
    await probe.waitFor(is("snapshot"));
    const t = await storage.createTrial(studyId, { state: "RUNNING" });
    await probe.waitForSeq(name, await head(studyId));
    probe.send({ type: "unsubscribe", study: name, id: "u" });
    await probe.waitFor(is("unsubscribed"));
    const count = probe.events(name).length;
    await storage.updateTrial(t.trialId, { intermediateValues: [{ step: 0, value: 1 }] });
    // A second session proves the event went out before we look.
    const witness = new SessionProbe(hub.openSession());
    witness.send({ type: "subscribe", study: name, since: 0 });
    await witness.waitForSeq(name, await head(studyId));
    expect(probe.events(name)).toHaveLength(count);
  });

  it("keeps the studies list current", async () => {
    const probe = new SessionProbe(hub.openSession());
    probe.send({ type: "subscribe_studies", id: "list" });
    const first = await probe.waitFor(is("studies"));
    expect(first.id).toBe("list");
    const name = uniqueName("listed");
    const s = await storage.createStudy(name, ["minimize"]);
    const t = await storage.createTrial(s.studyId, { state: "RUNNING" });
    await storage.updateTrial(t.trialId, { finish: { state: "COMPLETE", values: [0.25] } });
    const update = await probe.waitFor((m) => m.type === "studies" && m.studies.some((x) => x.name === name && x.counts.COMPLETE === 1));
    expect(update.type === "studies" && update.studies.find((x) => x.name === name)?.bestValue).toBe(0.25);
  });

  it("tells subscribers when their study is deleted", async () => {
    const { name } = await studyWithHistory("deleted");
    const probe = new SessionProbe(hub.openSession());
    probe.send({ type: "subscribe", study: name });
    await probe.waitFor(is("snapshot"));
    await storage.deleteStudy(name);
    expect(await probe.waitFor(is("error"))).toMatchObject({ code: "study_deleted", study: name });
  });

  it("hears of a deletion from the storage at once, without polling", async () => {
    const { name } = await studyWithHistory("deleted-announced");
    const quietHub = await FeedHub.open(storage, { pollMs: 0, log: () => undefined });
    try {
      const probe = new SessionProbe(quietHub.openSession());
      probe.send({ type: "subscribe", study: name });
      await probe.waitFor(is("snapshot"));
      await storage.deleteStudy(name);
      expect(await probe.waitFor(is("error"))).toMatchObject({ code: "study_deleted", study: name });
    } finally {
      await quietHub.close();
    }
  });

  it("tells a subscriber still catching up that its study was deleted (not an internal error)", async () => {
    const { name } = await studyWithHistory("deleted-catching-up");
    let entered!: () => void;
    let release!: () => void;
    const reading = new Promise<void>((r) => (entered = r));
    const gate = new Promise<void>((r) => (release = r));
    // The hub reads events through a gate, so the study can be deleted while it waits.
    const gated = new Proxy(storage, {
      get(target, prop) {
        if (prop === "readEvents") {
          return async (...args: Parameters<Storage["readEvents"]>) => {
            entered();
            await gate;
            return target.readEvents(...args);
          };
        }
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const ownHub = await FeedHub.open(gated, { pollMs: 60_000, log: () => undefined });
    try {
      const probe = new SessionProbe(ownHub.openSession());
      probe.send({ type: "subscribe", study: name, since: 0 });
      await reading;
      await storage.deleteStudy(name);
      release();
      expect(await probe.waitFor(is("error"))).toMatchObject({ code: "study_deleted", study: name });
    } finally {
      await ownHub.close();
    }
  });
});
