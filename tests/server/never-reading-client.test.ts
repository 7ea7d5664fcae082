import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStorage, startFeedServer, type FeedServer, type Storage } from "hpo";
import { uniqueName } from "../support/backends.ts";
import { RawWsClient } from "../faults/support/raw-ws-client.ts";
import { WsProbe } from "./ws-probe.ts";

describe("a client that reads nothing", () => {
  let storage: Storage;
  let server: FeedServer;
  let wsUrl: string;

  beforeAll(async () => {
    storage = await openStorage("memory");
    server = await startFeedServer({ storage, port: 0, log: () => undefined, socket: { heartbeatMs: 200 } });
    wsUrl = `${server.url.replace(/^http/, "ws")}ws`;
  });
  afterAll(async () => {
    await server.close();
    await storage.close();
  });

  it("is cut at the next heartbeat, whatever pongs it sends unasked", async () => {
    const name = uniqueName("unread");
    const s = await storage.createStudy(name, ["minimize"]);
    const silent = await RawWsClient.open(wsUrl);
    await silent.sendText(JSON.stringify({ type: "subscribe", study: name }));
    // It never reads, but answers pings it cannot see with guesses (old probe payloads were counters).
    let n = 0;
    const faking = setInterval(() => {
      void silent.sendPong("");
      void silent.sendPong(String(++n));
    }, 20);
    const t = await storage.createTrial(s.studyId, { state: "RUNNING" });
    for (let i = 0; i < 50; i++) await storage.updateTrial(t.trialId, { userAttrs: { [`a${i}`]: "x".repeat(10_000) } });
    const cut = await Promise.race([silent.closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 3000))]);
    clearInterval(faking);
    silent.destroy();
    expect(cut).toBe(true);
    await expect.poll(() => server.feed.stats.sessions).toBe(0);
  });

  it("keeps a client that reads, heartbeat after heartbeat", async () => {
    const reader = await WsProbe.open(wsUrl);
    reader.send({ type: "subscribe_studies", id: 1 });
    await reader.waitFor((m) => m.type === "studies");
    await new Promise((r) => setTimeout(r, 1000));
    expect(reader.ws.readyState).toBe(reader.ws.OPEN);
    reader.send({ type: "subscribe_studies", id: 2 });
    await reader.waitFor((m) => m.type === "studies" && m.id === 2);
    await reader.close();
  });
});
