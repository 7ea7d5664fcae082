import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStorage, startFeedServer, type FeedServer, type Storage } from "hpo";
import { uniqueName } from "../support/backends.ts";
import { runOptimizeWorker } from "../support/optimize-worker-process.ts";
import { WsProbe } from "./ws-probe.ts";

const url = process.env.HPO_TEST_DATABASE_URL;
const runWorker = (name: string, n: number) => runOptimizeWorker(url!, name, n);

// Needs a PostgreSQL server: CI sets HPO_TEST_DATABASE_URL.
describe.runIf(url)("events written by other processes", () => {
  let storage: Storage;
  let server: FeedServer;

  beforeAll(async () => {
    storage = await openStorage(url);
    server = await startFeedServer({ storage, port: 0, log: () => undefined });
  });
  afterAll(async () => {
    await server.close();
    await storage.close();
  });

  it("reach subscribers through the database, from two writer processes, in the study's order", { timeout: 120_000 }, async () => {
    const name = uniqueName("other-procs");
    const s = await storage.createStudy(name, ["minimize"]);
    const probe = await WsProbe.open(`${server.url.replace(/^http/, "ws")}ws`);
    probe.send({ type: "subscribe", study: name });
    await probe.waitFor((m) => m.type === "snapshot");
    expect(await Promise.all([runWorker(name, 10), runWorker(name, 10)])).toEqual([0, 0]);
    const end = await storage.headSeq(s.studyId);
    await probe.waitForSeq(name, end);
    const got = probe.events(name);
    expect(got.map((e) => e.seq)).toEqual(Array.from({ length: end - 1 }, (_, i) => i + 2));
    expect(got.filter((e) => e.type === "trial_completed")).toHaveLength(20);
    expect(got.filter((e) => e.type === "reported")).toHaveLength(20);
    await probe.close();
  });

  it("reach a second server process's storage connection too (replay after the fact)", async () => {
    const name = uniqueName("replay-db");
    const s = await storage.createStudy(name, ["minimize"]);
    expect(await runWorker(name, 3)).toBe(0);
    const probe = await WsProbe.open(`${server.url.replace(/^http/, "ws")}ws`);
    probe.send({ type: "subscribe", study: name, since: 0 });
    const end = await storage.headSeq(s.studyId);
    await probe.waitForSeq(name, end);
    expect(probe.events(name).map((e) => e.seq)).toEqual(Array.from({ length: end }, (_, i) => i + 1));
    await probe.close();
  });
});
