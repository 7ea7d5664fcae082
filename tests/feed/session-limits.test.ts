import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FeedHub, openStorage, type Storage } from "hpo";
import { SessionProbe } from "./session-probe.ts";

describe("a session's limits on what a client sends", () => {
  let storage: Storage;
  let hub: FeedHub;
  const logs: string[] = [];

  beforeAll(async () => {
    storage = await openStorage("memory");
    for (let i = 0; i < 20; i++) await storage.createStudy(`limits-${i}-${"n".repeat(200)}`, ["minimize"]);
    hub = await FeedHub.open(storage, { maxQueuedFrames: 8, maxQueuedBytes: 64 * 1024, maxPendingBytes: 16 * 1024, log: (m) => logs.push(m) });
  });
  afterAll(async () => {
    await hub.close();
    await storage.close();
  });

  it("answers requests in the order they came, invalid ones included", async () => {
    const probe = new SessionProbe(hub.openSession());
    probe.send({ type: "subscribe_studies", id: 1 });
    probe.send("not json");
    probe.send({ type: "unsubscribe_studies", id: 2 });
    probe.send({ type: "subscribe", study: "no-such-study", id: 3 });
    await probe.waitFor((m) => m.type === "error" && m.id === 3);
    expect(probe.messages.map((m) => `${m.type}${"id" in m && m.id !== undefined ? m.id : ""}`)).toEqual(["hello", "studies1", "error", "studies2", "error3"]);
    probe.session.close();
  });

  it("stops handling the requests of a client that does not read, then ends it", async () => {
    const session = hub.openSession();
    const probe = new SessionProbe(session, { paused: true });
    let ended: string | null = null;
    session.onEnd((reason) => (ended = reason));
    // Replies (~5 KB studies lists) fill the queue; the rest wait until their bytes pass the limit.
    let sent = 0;
    while (ended === null && sent < 10_000) {
      probe.send({ type: "subscribe_studies", id: sent++ });
      if (sent % 10 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    expect(ended).toMatch(/too many requests waiting/);
    expect(session.closed).toBe(true);
    expect(session.queuedFrames).toBe(0);
    expect(sent).toBeLessThan(16 * 1024 / 30 + 20);
    expect(logs.some((l) => /disconnecting a client: too many requests waiting/.test(l))).toBe(true);
  });

  it("does not echo a huge invalid message whole", async () => {
    const probe = new SessionProbe(hub.openSession());
    probe.send(JSON.stringify({ type: "subscribe_studies", ...Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`key${i}`, 1])) }));
    const error = await probe.waitFor((m) => m.type === "error");
    expect(error.type === "error" && error.message.length).toBeLessThan(1100);
    expect(error.type === "error" && error.message).toMatch(/characters\)$/);
    probe.session.close();
  });
});
