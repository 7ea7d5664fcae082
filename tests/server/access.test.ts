import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStorage, ServeConfigError, startFeedServer, type FeedServer, type Storage } from "hpo";
import { WsProbe } from "./ws-probe.ts";

const TOKEN = "s3cret-token-for-tests";

/** A GET with any headers (fetch will not send a forged Host header). */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("access control", () => {
  let storage: Storage;
  let open: FeedServer;
  let guarded: FeedServer;

  beforeAll(async () => {
    storage = await openStorage("memory");
    await storage.createStudy("access-study", ["minimize"]);
    open = await startFeedServer({ storage, port: 0, log: () => undefined });
    guarded = await startFeedServer({ storage, port: 0, token: TOKEN, log: () => undefined });
  });
  afterAll(async () => {
    await open.close();
    await guarded.close();
    await storage.close();
  });

  const ws = (server: FeedServer, query = "") => `${server.url.replace(/^http/, "ws")}ws${query}`;

  it("refuses to listen beyond loopback without a token", async () => {
    await expect(startFeedServer({ storage, host: "0.0.0.0", port: 0 })).rejects.toThrow(ServeConfigError);
    await expect(startFeedServer({ storage, host: "0.0.0.0", port: 0 })).rejects.toThrow(/--token/);
    await expect(startFeedServer({ storage, host: "192.168.1.10", port: 0, token: "short" })).rejects.toThrow(/at least 8/);
  });

  it("closes a WebSocket without the right token with code 4401", async () => {
    for (const query of ["", "?token=wrong-token-123"]) {
      const probe = new WsProbe(ws(guarded, query));
      expect(await probe.closed).toEqual({ code: 4401, reason: "unauthorized" });
      expect(probe.messages).toEqual([]);
    }
    const header = new WsProbe(ws(guarded), { headers: { authorization: "Bearer nope-nope-nope" } });
    expect((await header.closed).code).toBe(4401);
  });

  it("accepts the token as ?token=, as a Bearer header and as the dashboard's cookie", async () => {
    const viaQuery = await WsProbe.open(ws(guarded, `?token=${TOKEN}`));
    const viaHeader = await WsProbe.open(ws(guarded), { headers: { authorization: `Bearer ${TOKEN}` } });
    const viaCookie = await WsProbe.open(ws(guarded), { headers: { cookie: `hpo_token=${TOKEN}` } });
    for (const p of [viaQuery, viaHeader, viaCookie]) {
      p.send({ type: "subscribe", study: "access-study" });
      expect(await p.waitFor((m) => m.type === "snapshot")).toBeDefined();
      await p.close();
    }
  });

  it("checks the token on every HTTP request, and gives the dashboard a cookie", async () => {
    expect((await get(`${guarded.url}api/studies`)).status).toBe(401);
    expect((await get(`${guarded.url}app.js`)).status).toBe(401);
    expect((await get(`${guarded.url}api/studies?token=wrong`)).status).toBe(401);
    expect((await get(`${guarded.url}api/studies`, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    const page = await get(`${guarded.url}?token=${TOKEN}`);
    expect(page.status).toBe(200);
    const cookie = String(page.headers["set-cookie"]);
    expect(cookie).toMatch(/hpo_token=.*HttpOnly; SameSite=Strict/);
    const asset = await get(`${guarded.url}app.js`, { cookie: cookie.split(";")[0] });
    expect(asset.status).toBe(200);
    expect(asset.body).toContain("FeedClient");
  });

  it("answers only to loopback host names when it has no token (no DNS rebinding)", async () => {
    const port = new URL(open.url).port;
    expect((await get(`${open.url}api/studies`, { host: `evil.example:${port}` })).status).toBe(403);
    expect((await get(`${open.url}api/studies`, { host: `localhost:${port}` })).status).toBe(200);
    await expect(WsProbe.open(ws(open), { headers: { host: `evil.example:${port}` } })).rejects.toThrow(/403/);
  });

  it("refuses WebSockets opened by pages of other sites unless they carry the token", async () => {
    const host = new URL(open.url).host;
    await expect(WsProbe.open(ws(open), { origin: "https://evil.example" })).rejects.toThrow(/403/);
    const same = await WsProbe.open(ws(open), { origin: `http://${host}` });
    await same.close();
    await expect(WsProbe.open(ws(guarded), { origin: "https://evil.example", headers: { cookie: `hpo_token=${TOKEN}` } })).rejects.toThrow(/403/);
    const explicit = await WsProbe.open(ws(guarded, `?token=${TOKEN}`), { origin: "https://notebook.example" });
    await explicit.close();
  });
});
