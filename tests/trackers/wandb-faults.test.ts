import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { findOfflineRuns, readOfflineRun, wandb, type WandbOptions } from "hpo/trackers/wandb";
import { FakeWandbServer, type RebuiltRun } from "./support/fake-wandb-server.ts";
import { runRealStudy, type RealStudyOutcome } from "./support/real-study.ts";
import { pause } from "./support/scripted-study.ts";
import { WandbHttp } from "../../trackers/wandb/online/wandb-http.ts";

const KEY = "f".repeat(40);
let server: FakeWandbServer;
let logs: string[];
/** Where runs that could not be sent are saved. */
let dir: string;

beforeEach(async () => {
  server = await FakeWandbServer.start({ apiKey: KEY, defaultEntity: "alice" });
  logs = [];
  dir = mkdtempSync(join(tmpdir(), "hpo-wandb-spool-"));
});
afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function tracker(extra: WandbOptions = {}) {
  return wandb({
    apiKey: KEY,
    baseUrl: server.baseUrl,
    project: "faults",
    env: {},
    batchIntervalMs: 20,
    heartbeatIntervalMs: 1_000,
    requestTimeoutMs: 1_000,
    initialBackoffMs: 20,
    maxBackoffMs: 200,
    maxRetries: 4,
    closeTimeoutMs: 5_000,
    dir,
    log: (m) => logs.push(m),
    ...extra,
  });
}

/** The study ran as if no tracker were there: 4 trials, states as the objective decided. */
function expectStudyUnaffected(outcome: RealStudyOutcome): void {
  expect(outcome.finished).toBe(4);
  expect(outcome.trials.map((t) => t.state)).toEqual(["COMPLETE", "PRUNED", "COMPLETE", "FAIL"]);
}

/** Every trial's run arrived whole: define-by-run config, history in order, summary, exit code. */
function expectRunsComplete(runs: RebuiltRun[], outcome: RealStudyOutcome): void {
  expect(runs.map((r) => r.displayName)).toEqual(["trial-0", "trial-1", "trial-2", "trial-3"]);
  for (const [i, run] of runs.entries()) {
    const trial = outcome.trials[i];
    expect(run.config).toEqual(trial.params);
    expect(run.history.map((r) => r._step)).toEqual([...trial.intermediateValues.keys()]);
    expect(run.history.map((r) => r.value)).toEqual([...trial.intermediateValues.values()]);
    expect(run.complete).toBe(true);
    expect(run.exitCode).toBe(trial.state === "FAIL" ? 1 : 0);
    expect(run.summary.trial_state).toBe({ COMPLETE: "complete", PRUNED: "pruned", FAIL: "failed" }[trial.state as string]);
    if (trial.state !== "FAIL") expect(run.summary.value).toBe(trial.value);
  }
  expect(server.violations).toEqual([]);
}

describe("wandb tracker under faults: the study finishes unaffected every time", () => {
  it("recovers from 500/503 answers (retries resend the same data)", async () => {
    server.inject(
      { route: "graphql", status: 500 },
      { route: "file_stream", status: 503 },
      { route: "file_stream", status: 500 },
    );
    const outcome = await runRealStudy("s500", [tracker()]);
    expectStudyUnaffected(outcome);
    expectRunsComplete(server.group("s500"), outcome);
    expect(server.pendingFaults).toBe(0);
  });

  it("waits out a 429 until RateLimit-Reset before retrying", async () => {
    server.inject({ route: "file_stream", status: 429, headers: { "RateLimit-Reset": "1" } });
    const outcome = await runRealStudy("s429", [tracker()]);
    expectStudyUnaffected(outcome);
    expectRunsComplete(server.group("s429"), outcome);
    const limited = server.served.findIndex((r) => r.status === 429);
    const retry = server.served.slice(limited + 1).find((r) => r.run === server.served[limited].run);
    // The backoff alone would be ~20 ms; the server asked for 1 s.
    expect(retry!.arrivedAt - server.served[limited].at).toBeGreaterThanOrEqual(950);
  });

  it("holds every request back after a 429, not only the one that got it (one key, one rate limit)", async () => {
    const http = new WandbHttp(
      { apiKey: KEY, requestTimeoutMs: 1_000, maxRetries: 3, initialBackoffMs: 10, maxBackoffMs: 100 },
      new AbortController().signal,
    );
    const url = `${server.baseUrl}/graphql`;
    const body = { query: "mutation UpsertBucket($name: String, $project: String) { upsertBucket(input: {name: $name, modelName: $project}) { bucket { name } } }" };
    server.inject({ route: "graphql", status: 429, headers: { "RateLimit-Reset": "1" } });
    const first = http.postJson(url, { ...body, variables: { name: "r1", project: "p" } });
    await vi.waitFor(() => expect(server.served.some((r) => r.status === 429)).toBe(true));
    const limitedAt = server.served.find((r) => r.status === 429)!.at;
    await pause(200); // let the client read the 429
    await http.postJson(url, { ...body, variables: { name: "r2", project: "p" } });
    await first;
    const arrivals = server.served.filter((r) => r.status === 200).map((r) => r.arrivedAt - limitedAt);
    expect(arrivals).toHaveLength(2);
    for (const t of arrivals) expect(t).toBeGreaterThanOrEqual(950);
    expect(server.runs().map((r) => r.name).sort()).toEqual(["r1", "r2"]);
  });

  it("turns itself off after a 401 with one clear message", async () => {
    const started = Date.now();
    const outcome = await runRealStudy("s401", [tracker({ apiKey: "wrong-key" })]);
    expectStudyUnaffected(outcome);
    expect(server.runs()).toEqual([]);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/401/);
    expect(logs[0]).toMatch(/WANDB_API_KEY/);
    expect(logs[0]).toMatch(/off/);
    // No retries of a rejected key: the whole study, close included, stays quick.
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("times out a connection that hangs, and retries", async () => {
    server.inject({ route: "file_stream", hang: true }, { route: "graphql", hang: true });
    const requestTimeoutMs = 1_500;
    const outcome = await runRealStudy("shang", [tracker({ requestTimeoutMs })]);
    expectStudyUnaffected(outcome);
    expectRunsComplete(server.group("shang"), outcome);
    expect(server.served.filter((r) => r.status === "hang")).toHaveLength(2);
    // A trial that waited on the hung request could not end before the request timed out; the
    // bound is that timeout, not a speed (a loaded machine stalled a trivial trial past 1 s).
    expect(outcome.slowestTrialMs).toBeLessThan(requestTimeoutMs);
    // The two hung requests time out one after the other at the end: about 4 s idle, 5 s is vitest's default.
  }, 30_000);

  it("times out a hung request even when a garbage collection runs while it waits", async () => {
    // Node 20 holds the signal fetch derives from AbortSignal.any weakly (nodejs/node#55428): a
    // collection mid-request used to cut the timeout off, and the request hung until close.
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const http = new WandbHttp(
      { apiKey: KEY, requestTimeoutMs: 300, maxRetries: 0, initialBackoffMs: 10, maxBackoffMs: 10 },
      new AbortController().signal,
    );
    server.inject({ route: "graphql", hang: true });
    const started = Date.now();
    const request = http.postJson(`${server.baseUrl}/graphql`, { query: "{ viewer { id } }" });
    const outcome = request.then(() => "answered", (e: Error) => e.message);
    await vi.waitFor(() => expect(server.served.some((r) => r.status === "hang")).toBe(true));
    gc();
    const settled = await Promise.race([outcome, pause(5_000).then(() => "still hanging after 5 s")]);
    expect(settled).toMatch(/failed after 1 attempts \(last: no answer within 300 ms\)/);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("retries a GraphQL error inside an HTTP 200", async () => {
    server.inject({ route: "graphql", graphqlError: "upstream hiccup" });
    const outcome = await runRealStudy("sgql", [tracker()]);
    expectStudyUnaffected(outcome);
    expectRunsComplete(server.group("sgql"), outcome);
    expect(server.pendingFaults).toBe(0);
  });

  it("gives up on runs the server keeps refusing with GraphQL errors, saying so once, and saves them for wandb sync", async () => {
    server.inject(...Array.from({ length: 100 }, () => ({ route: "graphql" as const, graphqlError: "permission denied on entity" })));
    const outcome = await runRealStudy("sdeny", [tracker()]);
    expectStudyUnaffected(outcome);
    expect(server.runs()).toEqual([]);
    expect(logs.filter((m) => m.includes("permission denied on entity"))).toHaveLength(1);
    await expectSpooled(outcome);
  });

  it("keeps going when the server is unreachable, and saves every run for wandb sync", async () => {
    await server.close();
    const started = Date.now();
    const outcome = await runRealStudy("sdown", [tracker({ maxRetries: 2, closeTimeoutMs: 2_000 })]);
    expectStudyUnaffected(outcome);
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.every((m) => m.startsWith("hpo: wandb:"))).toBe(true);
    expect(Date.now() - started).toBeLessThan(4_000);
    await expectSpooled(outcome);
    server = await FakeWandbServer.start({ apiKey: KEY }); // for afterEach
  });

  it("waits at most closeTimeoutMs for a server that accepts connections and never answers, then saves the runs", async () => {
    const sockets = new Set<Socket>();
    const hanging: Server = createServer((s) => {
      sockets.add(s);
      s.on("error", () => undefined);
    });
    await new Promise<void>((r) => hanging.listen(0, "127.0.0.1", r));
    const port = (hanging.address() as { port: number }).port;
    try {
      const t = tracker({ baseUrl: `http://127.0.0.1:${port}`, requestTimeoutMs: 60_000, closeTimeoutMs: 1_500 });
      const started = Date.now();
      const outcome = await runRealStudy("shanging", [t]);
      const waited = Date.now() - started;
      expectStudyUnaffected(outcome);
      expect(waited).toBeLessThan(1_500 + 2_000);
      expect(logs.some((m) => /not fully sent to http:\/\/127\.0\.0\.1:\d+ within 1500 ms/.test(m))).toBe(true);
      await expectSpooled(outcome);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => hanging.close(r));
    }
  });
});

/** Every trial's run was saved whole as an offline run, and the log says how to upload them. */
async function expectSpooled(outcome: RealStudyOutcome): Promise<void> {
  const files = await findOfflineRuns(dir);
  expect(files).toHaveLength(outcome.trials.length);
  const runs = (await Promise.all(files.map(readOfflineRun))).sort((a, b) => a.displayName!.localeCompare(b.displayName!));
  for (const [i, run] of runs.entries()) {
    const trial = outcome.trials[i];
    expect(run.displayName).toBe(`trial-${trial.number}`);
    expect(run.config).toEqual(trial.params);
    expect(run.history.map((r) => r._step)).toEqual([...trial.intermediateValues.keys()]);
    expect(run.history.map((r) => r.value)).toEqual([...trial.intermediateValues.values()]);
    expect(run.exitCode).toBe(trial.state === "FAIL" ? 1 : 0);
    expect(run.final).toBe(true);
  }
  const saved = logs.find((m) => m.includes("saved whole for a later upload"));
  expect(saved).toMatch(new RegExp(`hpo: wandb: ${outcome.trials.length} run\\(s\\) .*; saved whole for a later upload: wandb sync ${dir}/wandb/offline-run-\\*`));
}
