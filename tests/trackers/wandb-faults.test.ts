import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { wandb, type WandbOptions } from "hpo/trackers/wandb";
import { FakeWandbServer, type RebuiltRun } from "./support/fake-wandb-server.ts";
import { runRealStudy, type RealStudyOutcome } from "./support/real-study.ts";

const KEY = "f".repeat(40);
let server: FakeWandbServer;
let logs: string[];

beforeEach(async () => {
  server = await FakeWandbServer.start({ apiKey: KEY, defaultEntity: "alice" });
  logs = [];
});
afterEach(async () => {
  await server.close();
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
    const limitedAt = server.served[limited].at;
    const retry = server.served.slice(limited + 1).find((r) => r.run === server.served[limited].run);
    // The backoff alone would be ~20 ms; the server asked for 1 s. Other runs hold off too
    // (one API key, one rate limit): no new request arrives in between (200 ms of slack for
    // requests the client sent before it read the 429).
    expect(retry!.arrivedAt - limitedAt).toBeGreaterThanOrEqual(950);
    const between = server.served.filter((r) => r.arrivedAt > limitedAt + 200 && r.arrivedAt < limitedAt + 900);
    expect(between).toEqual([]);
    expect(outcome.slowestTrialMs).toBeLessThan(900);
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
    const outcome = await runRealStudy("shang", [tracker({ requestTimeoutMs: 800 })]);
    expectStudyUnaffected(outcome);
    expectRunsComplete(server.group("shang"), outcome);
    expect(server.served.filter((r) => r.status === "hang")).toHaveLength(2);
    expect(outcome.slowestTrialMs).toBeLessThan(600); // a trial never waits on the hung request
  });

  it("retries a GraphQL error inside an HTTP 200", async () => {
    server.inject({ route: "graphql", graphqlError: "upstream hiccup" });
    const outcome = await runRealStudy("sgql", [tracker()]);
    expectStudyUnaffected(outcome);
    expectRunsComplete(server.group("sgql"), outcome);
    expect(server.pendingFaults).toBe(0);
  });

  it("gives up on runs the server keeps refusing with GraphQL errors, saying so once", async () => {
    server.inject(...Array.from({ length: 100 }, () => ({ route: "graphql" as const, graphqlError: "permission denied on entity" })));
    const outcome = await runRealStudy("sdeny", [tracker()]);
    expectStudyUnaffected(outcome);
    expect(server.runs()).toEqual([]);
    expect(logs.filter((m) => m.includes("permission denied on entity"))).toHaveLength(1);
  });

  it("keeps going when the server is unreachable", async () => {
    await server.close();
    const started = Date.now();
    const outcome = await runRealStudy("sdown", [tracker({ maxRetries: 2, closeTimeoutMs: 2_000 })]);
    expectStudyUnaffected(outcome);
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.every((m) => m.startsWith("hpo: wandb:"))).toBe(true);
    expect(Date.now() - started).toBeLessThan(4_000);
    server = await FakeWandbServer.start({ apiKey: KEY }); // for afterEach
  });
});
