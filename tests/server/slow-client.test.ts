import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStorage, startFeedServer, type FeedServer, type FeedServerMessage, type Storage } from "hpo";
import { uniqueName } from "../support/backends.ts";
import { WsProbe } from "./ws-probe.ts";

describe("a client that stops reading its socket", () => {
  let storage: Storage;
  let server: FeedServer;
  let wsUrl: string;

  beforeAll(async () => {
    storage = await openStorage("memory");
    server = await startFeedServer({ storage, port: 0, log: () => undefined, feed: { maxQueuedFrames: 8, maxQueuedBytes: 2 << 20 }, socket: { maxInFlight: 1 } });
    wsUrl = `${server.url.replace(/^http/, "ws")}ws`;
  });
  afterAll(async () => {
    await server.close();
    await storage.close();
  });

  it("is told to resync while the others get everything, and catches up by resubscribing", async () => {
    const name = uniqueName("stalled");
    const s = await storage.createStudy(name, ["minimize"]);
    const fast = await WsProbe.open(wsUrl);
    const slow = await WsProbe.open(wsUrl);
    for (const p of [fast, slow]) p.send({ type: "subscribe", study: name });
    await fast.waitFor((m) => m.type === "snapshot");
    await slow.waitFor((m) => m.type === "snapshot");
    slow.ws.pause(); // it reads nothing more: no pongs, so the server stops sending after 1 MiB

    const t = await storage.createTrial(s.studyId, { state: "RUNNING" });
    const blob = "x".repeat(20_000);
    const started = performance.now();
    for (let i = 0; i < 150; i++) {
      await storage.updateTrial(t.trialId, { userAttrs: { [`a${i}`]: blob } }); // 3 MB of events in all
      // A reader that keeps up: it has each event before the next is written.
      await fast.waitForSeq(name, await storage.headSeq(s.studyId));
    }
    const end = await storage.headSeq(s.studyId);
    await fast.waitForSeq(name, end);
    const fastMs = performance.now() - started;
    expect(fast.events(name).map((e) => e.seq)).toEqual(Array.from({ length: end - 1 }, (_, i) => i + 2));
    expect(server.feed.stats.resyncs).toBe(1);
    expect(server.feed.stats.droppedEvents).toBeGreaterThan(0);

    slow.ws.resume();
    const resync = (await slow.waitFor((m) => m.type === "resync")) as Extract<FeedServerMessage, { type: "resync" }>;
    expect(resync).toMatchObject({ study: name, studyId: s.studyId, reason: "slow_client" });
    const before = slow.events(name);
    expect(resync.since).toBe(before.at(-1)?.seq ?? 1);
    slow.send({ type: "subscribe", study: name, since: resync.since, studyId: s.studyId });
    await slow.waitForSeq(name, end);
    expect(slow.events(name).map((e) => e.seq)).toEqual(fast.events(name).map((e) => e.seq));
    // The stalled reader did not hold the fast one back.
    expect(fastMs).toBeLessThan(20_000);
    await Promise.all([fast.close(), slow.close()]);
  });
});
