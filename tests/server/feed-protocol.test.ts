import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStudy, RandomSampler, startFeedServer, type FeedServer, type FeedServerMessage, type Storage } from "hpo";
import { BACKENDS, openBackend, uniqueName } from "../support/backends.ts";
import { WsProbe } from "./ws-probe.ts";

const snapshotOf = (name: string) => (m: FeedServerMessage) => m.type === "snapshot" && m.study.name === name;

describe.each(BACKENDS)("WebSocket feed on %s", (backend) => {
  let storage: Storage;
  let cleanup: () => Promise<void>;
  let server: FeedServer;
  let wsUrl: string;

  beforeAll(async () => {
    ({ storage, cleanup } = await openBackend(backend));
    server = await startFeedServer({ storage, port: 0, log: () => undefined });
    wsUrl = `${server.url.replace(/^http/, "ws")}ws`;
  });
  afterAll(async () => {
    await server.close();
    await cleanup();
  });

  /** Runs `n` trials that report `steps` values each, `concurrency` at a time. */
  async function runTrials(name: string, n: number, steps: number, concurrency = 1) {
    const study = await createStudy({ studyName: name, storage, direction: "minimize", sampler: new RandomSampler({ seed: 1 }), loadIfExists: true });
    await study.optimize(
      async (trial) => {
        const x = trial.suggestFloat("x", -2, 2);
        for (let step = 0; step < steps; step++) {
          trial.report(x * x + 1 / (step + 1), step);
          await trial.flush();
        }
        return x * x;
      },
      { nTrials: n, concurrency },
    );
    return study;
  }

  it("gives a reconnecting client exactly the events it missed, in order, then live ones", async () => {
    const name = uniqueName("reconnect");
    const study = await runTrials(name, 2, 3);
    const first = await WsProbe.open(wsUrl);
    first.send({ type: "subscribe", study: name });
    const snap = (await first.waitFor(snapshotOf(name))) as Extract<FeedServerMessage, { type: "snapshot" }>;
    expect(snap.trials.map((t) => [t.number, t.state, t.intermediate.length])).toEqual([
      [0, "COMPLETE", 3],
      [1, "COMPLETE", 3],
    ]);
    await runTrials(name, 1, 2);
    const seen = await storage.headSeq(study.studyId);
    await first.waitForSeq(name, seen);
    await first.close();

    await runTrials(name, 2, 2); // while nobody listens
    const second = await WsProbe.open(wsUrl);
    second.send({ type: "subscribe", study: name, since: seen, studyId: study.studyId, id: "again" });
    await second.waitFor((m) => m.type === "subscribed" && m.id === "again");
    const missedUntil = await storage.headSeq(study.studyId);
    await second.waitForSeq(name, missedUntil);
    await runTrials(name, 1, 1); // live again
    const end = await storage.headSeq(study.studyId);
    await second.waitForSeq(name, end);
    const stored = await storage.readEvents(study.studyId, seen);
    expect(second.events(name).map((e) => [e.seq, e.type, e.trial])).toEqual(stored.map((e) => [e.seq, e.type, e.trialNumber]));
    expect(second.messages.some((m) => m.type === "snapshot")).toBe(false);
    await second.close();
    await study.close();
  });

  it("delivers concurrent workers' events in the study's order", async () => {
    const name = uniqueName("order");
    await storage.createStudy(name, ["minimize"]);
    const probe = await WsProbe.open(wsUrl);
    probe.send({ type: "subscribe", study: name });
    const snap = (await probe.waitFor(snapshotOf(name))) as Extract<FeedServerMessage, { type: "snapshot" }>;
    const study = await runTrials(name, 8, 5, 4);
    const end = await storage.headSeq(study.studyId);
    await probe.waitForSeq(name, end);
    const got = probe.events(name);
    expect(got.map((e) => e.seq)).toEqual(Array.from({ length: end - snap.seq }, (_, i) => snap.seq + 1 + i));
    expect(got.map((e) => [e.type, e.trial, e.payload])).toEqual((await storage.readEvents(study.studyId, snap.seq)).map((e) => [e.type, e.trialNumber, e.payload]));
    expect(got.filter((e) => e.type === "trial_completed")).toHaveLength(8);
    await probe.close();
    await study.close();
  });

  it("serves two studies on one connection, each with its own sequence", async () => {
    const a = uniqueName("two-a");
    const b = uniqueName("two-b");
    await storage.createStudy(a, ["minimize"]);
    await storage.createStudy(b, ["minimize"]);
    const probe = await WsProbe.open(wsUrl);
    probe.send({ type: "subscribe", study: a });
    probe.send({ type: "subscribe", study: b });
    await probe.waitFor(snapshotOf(a));
    await probe.waitFor(snapshotOf(b));
    const [sa, sb] = await Promise.all([runTrials(a, 2, 2), runTrials(b, 3, 1)]);
    await probe.waitForSeq(a, await storage.headSeq(sa.studyId));
    await probe.waitForSeq(b, await storage.headSeq(sb.studyId));
    expect(probe.events(a).filter((e) => e.type === "trial_completed")).toHaveLength(2);
    expect(probe.events(b).filter((e) => e.type === "trial_completed")).toHaveLength(3);
    for (const study of [a, b]) {
      const seqs = probe.events(study).map((e) => e.seq);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0] + i));
    }
    await probe.close();
    await Promise.all([sa.close(), sb.close()]);
  });

  it("answers malformed messages with an error and keeps the connection", async () => {
    const name = uniqueName("malformed");
    await storage.createStudy(name, ["maximize"]);
    const probe = await WsProbe.open(wsUrl);
    probe.send("hello?");
    probe.send({ type: "subscribe", study: 42, id: "bad-study" });
    probe.send({ type: "subscribe", study: name, since: "yesterday" });
    probe.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await probe.waitFor(() => probe.messages.filter((m) => m.type === "error").length === 4);
    const errors = probe.messages.filter((m) => m.type === "error");
    expect(errors.every((e) => e.type === "error" && e.code === "bad_message")).toBe(true);
    expect(errors.find((e) => e.type === "error" && e.id === "bad-study")).toBeDefined();
    probe.send({ type: "subscribe", study: name, id: "ok" });
    expect(await probe.waitFor((m) => m.type === "snapshot" && m.id === "ok")).toBeDefined();
    expect(probe.ws.readyState).toBe(probe.ws.OPEN);
    await probe.close();
  });
});
