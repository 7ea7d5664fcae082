import { request } from "node:http";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStorage, startFeedServer, type FeedServer, type Storage } from "hpo";
import { connectFolderReads } from "../../src/storage/folder-socket/folder-read-client.ts";
import { BACKENDS, freshPgliteFolder, openBackend, uniqueName } from "../support/backends.ts";

const TOKEN = "note-token-for-tests";

interface Reply {
  status: number;
  body: { error?: string; note?: { version: number; text: string }; [k: string]: unknown };
}

/** An HTTP request with any headers (fetch would not send a forged Origin or Host). */
function send(method: string, url: string, headers: Record<string, string>, body = ""): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {} }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const json = { "content-type": "application/json" };
const putNote = (url: string, note: { text: string; baseVersion: number }, headers: Record<string, string> = json) =>
  send("PUT", url, headers, JSON.stringify(note));

describe.each(BACKENDS)("notes on %s", (backend) => {
  let storage: Storage;
  let cleanup: () => Promise<void>;
  let server: FeedServer;
  const name = uniqueName("notes");

  beforeAll(async () => {
    ({ storage, cleanup } = await openBackend(backend));
    const study = await storage.createStudy(name, ["minimize"]);
    const trial = await storage.createTrial(study.studyId, { state: "RUNNING" });
    await storage.updateTrial(trial.trialId, { finish: { state: "COMPLETE", values: [1] } });
    server = await startFeedServer({ storage, port: 0, log: () => undefined });
  });
  afterAll(async () => {
    await server.close();
    await cleanup();
  });

  it("saves a study note and a finished trial's note as study system attrs, versioned", async () => {
    const studyNote = `${server.url}api/studies/${encodeURIComponent(name)}/note`;
    const first = await putNote(studyNote, { text: "lr above 1e-2 diverges", baseVersion: 0 });
    expect(first.status, first.body.error).toBe(200);
    expect(first.body.note).toEqual({ version: 1, text: "lr above 1e-2 diverges" });
    const second = await putNote(studyNote, { text: "lr above 1e-2 diverges; try warmup", baseVersion: 1 });
    expect(second.body.note).toEqual({ version: 2, text: "lr above 1e-2 diverges; try warmup" });

    const trialNote = `${server.url}api/studies/${encodeURIComponent(name)}/trials/0/note`;
    const t = await putNote(trialNote, { text: "<b>not bold</b>", baseVersion: 0 });
    expect(t.status, t.body.error).toBe(200);
    const stored = await storage.findStudy(name);
    expect(stored!.systemAttrs["hpo:note"]).toEqual({ version: 2, text: "lr above 1e-2 diverges; try warmup" });
    expect(stored!.systemAttrs["hpo:note:trial:0"]).toEqual({ version: 1, text: "<b>not bold</b>" });
  });

  it("refuses a stale base version with 409 and the current text, so no edit is lost", async () => {
    const url = `${server.url}api/studies/${encodeURIComponent(name)}/trials/0/note`;
    const current = (await storage.findStudy(name))!.systemAttrs["hpo:note:trial:0"] as { version: number };
    const mine = await putNote(url, { text: "editor A", baseVersion: current.version });
    expect(mine.status).toBe(200);
    const theirs = await putNote(url, { text: "editor B", baseVersion: current.version });
    expect(theirs.status).toBe(409);
    expect(theirs.body.note).toEqual({ version: current.version + 1, text: "editor A" });
    expect(theirs.body.error).toMatch(/changed since version \d+ \(now version \d+\)/);
    // Two saves from one base at once: exactly one wins.
    const base = current.version + 1;
    const race = await Promise.all([putNote(url, { text: "x", baseVersion: base }), putNote(url, { text: "y", baseVersion: base })]);
    expect(race.map((r) => r.status).sort()).toEqual([200, 409]);
  });

  it("refuses a note over the size limit, a missing trial or study, and malformed bodies in one line", async () => {
    const url = `${server.url}api/studies/${encodeURIComponent(name)}/note`;
    const big = await putNote(url, { text: "é".repeat(9000), baseVersion: 2 });
    expect(big.status).toBe(413);
    expect(big.body.error).toBe("text: the note is 18000 bytes; at most 16384 bytes (UTF-8)");
    const huge = await send("PUT", url, json, JSON.stringify({ text: "a".repeat(200_000), baseVersion: 2 }));
    expect(huge.status).toBe(413);
    expect((await putNote(`${server.url}api/studies/${encodeURIComponent(name)}/trials/7/note`, { text: "a", baseVersion: 0 })).body.error).toBe(
      `study "${name}" has no trial 7`,
    );
    expect((await putNote(`${server.url}api/studies/nope-${name}/note`, { text: "a", baseVersion: 0 })).status).toBe(404);
    const typo = await send("PUT", url, json, JSON.stringify({ text: "a", base: 2 }));
    expect(typo.status).toBe(400);
    expect(typo.body.error).not.toMatch(/\n/);
    expect((await send("PUT", url, json, "{not json")).status).toBe(400);
    expect((await send("POST", url, json, "{}")).status).toBe(405);
    expect((await storage.findStudy(name))!.systemAttrs["hpo:note"]).toEqual({ version: 2, text: "lr above 1e-2 diverges; try warmup" });
  });
});

describe("who may save a note", () => {
  let storage: Storage;
  let open: FeedServer;
  let guarded: FeedServer;
  const name = "guarded-notes";

  beforeAll(async () => {
    storage = await openStorage("memory");
    await storage.createStudy(name, ["minimize"]);
    open = await startFeedServer({ storage, port: 0, log: () => undefined });
    guarded = await startFeedServer({ storage, port: 0, token: TOKEN, log: () => undefined });
  });
  afterAll(async () => {
    await open.close();
    await guarded.close();
    await storage.close();
  });

  const noteUrl = (s: FeedServer) => `${s.url}api/studies/${name}/note`;
  const version = async () => ((await storage.findStudy(name))!.systemAttrs["hpo:note"] as { version: number } | undefined)?.version ?? 0;

  it("needs the token when the server has one (header or cookie)", async () => {
    expect((await putNote(noteUrl(guarded), { text: "a", baseVersion: 0 })).status).toBe(401);
    expect((await putNote(noteUrl(guarded), { text: "a", baseVersion: 0 }, { ...json, authorization: "Bearer wrong-token-1234" })).status).toBe(401);
    const ok = await putNote(noteUrl(guarded), { text: "a", baseVersion: 0 }, { ...json, authorization: `Bearer ${TOKEN}` });
    expect(ok.status, ok.body.error).toBe(200);
    const host = new URL(guarded.url).host;
    const fromPage = await putNote(noteUrl(guarded), { text: "b", baseVersion: 1 }, { ...json, cookie: `hpo_token=${TOKEN}`, origin: `http://${host}` });
    expect(fromPage.status, fromPage.body.error).toBe(200);
  });

  it("refuses another site's page, even with the cookie, and non-JSON bodies (what a form can post)", async () => {
    const before = await version();
    const evil = await putNote(noteUrl(guarded), { text: "pwned", baseVersion: before }, { ...json, cookie: `hpo_token=${TOKEN}`, origin: "http://evil.example" });
    expect(evil.status).toBe(403);
    expect(evil.body.error).toMatch(/own dashboard \(Origin http:\/\/evil\.example is another site\)/);
    const fetchMeta = await putNote(noteUrl(open), { text: "pwned", baseVersion: before }, { ...json, "sec-fetch-site": "cross-site" });
    expect(fetchMeta.status).toBe(403);
    const form = await send("PUT", noteUrl(open), { "content-type": "text/plain" }, JSON.stringify({ text: "pwned", baseVersion: before }));
    expect(form.status).toBe(415);
    expect(form.body.error).toBe("content-type must be application/json, got text/plain");
    // DNS rebinding: without a token only loopback names are answered, writes included.
    const rebound = await putNote(noteUrl(open), { text: "pwned", baseVersion: before }, { ...json, host: "attacker.example" });
    expect(rebound.status).toBe(403);
    expect(await version()).toBe(before);
  });
});

describe("a server that reads a held embedded folder through its holder", () => {
  it("refuses notes with one line: it is read-only there", async () => {
    const folder = freshPgliteFolder();
    const holder = await openStorage(folder);
    try {
      await holder.createStudy("held", ["minimize"]);
      const reader = await connectFolderReads(folder, "process 1 on test-host");
      expect(reader).not.toBeNull();
      const server = await startFeedServer({ storage: reader!, port: 0, log: () => undefined });
      try {
        const r = await putNote(`${server.url}api/studies/held/note`, { text: "a", baseVersion: 0 });
        expect(r.status).toBe(403);
        expect(r.body.error).toMatch(/^notes are read-only here: this server reads .* \(read through process 1 on test-host\); save notes from the dashboard of the process that holds it$/);
      } finally {
        await server.close();
        await reader!.close();
      }
      expect((await holder.findStudy("held"))!.systemAttrs["hpo:note"]).toBeUndefined();
    } finally {
      await holder.close();
      rmSync(join(folder, ".."), { recursive: true, force: true });
    }
  });
});
