import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TrackerHub } from "hpo";
import { wandb } from "hpo/trackers/wandb";
import { FakeWandbServer } from "./support/fake-wandb-server.ts";
import { frozenTrial } from "./support/frozen-trials.ts";
import { EXPECTED_RUNS, pause, runScriptedStudy } from "./support/scripted-study.ts";

const KEY = "k".repeat(40);
let server: FakeWandbServer;
let logs: string[];

beforeEach(async () => {
  server = await FakeWandbServer.start({ apiKey: KEY, defaultEntity: "alice" });
  logs = [];
});
afterEach(async () => {
  await server.close();
});

/** Fast settings for tests: everything else is the real client. */
function tracker(extra: Parameters<typeof wandb>[0] = {}) {
  return wandb({
    apiKey: KEY,
    baseUrl: server.baseUrl,
    project: "captioner",
    env: {},
    batchIntervalMs: 20,
    heartbeatIntervalMs: 1_000,
    requestTimeoutMs: 2_000,
    initialBackoffMs: 10,
    maxBackoffMs: 100,
    log: (m) => logs.push(m),
    ...extra,
  });
}

describe("wandb tracker (online) against a W&B-protocol server", () => {
  it("creates one run per trial, grouped by study, with config, ordered history, summary and exit code", async () => {
    await runScriptedStudy([tracker({ tags: ["lora", "sweep"], jobType: "hpo-trial", config: { dataset: "food" } })]);

    const runs = server.group("sweep-a");
    expect(runs).toHaveLength(3);
    for (const [i, expected] of EXPECTED_RUNS.entries()) {
      const run = runs[i];
      expect(run.entity).toBe("alice"); // the API key's default entity, learnt from upsertBucket
      expect(run.project).toBe("captioner");
      expect(run.name).toMatch(/^[a-z0-9]{8}$/);
      expect(run.displayName).toBe(expected.displayName);
      expect(run.jobType).toBe("hpo-trial");
      expect(run.tags).toEqual(["lora", "sweep"]);
      expect(run.config).toEqual({ dataset: "food", ...expected.config });
      expect(run.history.map((r) => r._step)).toEqual(expected.steps);
      expect(run.history.map((r) => r.value)).toEqual(expected.values);
      for (const row of run.history) {
        expect(typeof row._runtime).toBe("number");
        expect(row._timestamp as number).toBeGreaterThan(1.6e9);
      }
      expect(run.summary).toMatchObject(expected.summary);
      expect(run.complete).toBe(true);
      expect(run.exitCode).toBe(expected.exitCode);
    }
    expect(new Set(runs.map((r) => r.name)).size).toBe(3);
    expect(server.violations).toEqual([]);
    // Trial 2 reported step 4 twice and then step 2: said once, never sent.
    expect(logs.filter((m) => m.includes("steps only move forward"))).toHaveLength(1);
  });

  it("batches history: nothing is sent before the interval, everything by the end of the trial", async () => {
    const hub = new TrackerHub([tracker({ batchIntervalMs: 60_000 })]);
    hub.trialStart({ studyName: "batched", trial: frozenTrial({ number: 0, state: "RUNNING", params: { x: 1 } }) });
    for (let step = 0; step < 5; step++) hub.report({ studyName: "batched", trialNumber: 0, step, value: step / 10, metrics: { value: step / 10 }, params: { x: 1 } });
    const live = await vi.waitFor(() => {
      const [run] = server.group("batched");
      expect(run?.config).toEqual({ x: 1 });
      return run;
    });
    await pause(200);
    expect(live.history).toEqual([]); // still inside the 60 s batch window

    hub.trialFinish({ studyName: "batched", trial: frozenTrial({ number: 0, state: "COMPLETE", params: { x: 1 }, value: 0.4 }) });
    await hub.close();
    const [run] = server.group("batched");
    expect(run.history.map((r) => r._step)).toEqual([0, 1, 2, 3, 4]);
    expect(run.summary.value).toBe(0.4);
    expect(run.exitCode).toBe(0);
  });

  it("sends batches while the trial runs, and heartbeats while it is idle", async () => {
    const hub = new TrackerHub([tracker({ batchIntervalMs: 30, heartbeatIntervalMs: 40 })]);
    hub.trialStart({ studyName: "live", trial: frozenTrial({ number: 0, state: "RUNNING", params: { x: 1 } }) });
    hub.report({ studyName: "live", trialNumber: 0, step: 1, value: 1, metrics: { value: 1 }, params: { x: 1 } });
    await vi.waitFor(
      () => {
        const [run] = server.group("live");
        expect(run.history.map((r) => r._step)).toEqual([1]);
        expect(run.summary).toMatchObject({ value: 1, _step: 1 });
        expect(run.heartbeats).toBeGreaterThan(0);
      },
      { timeout: 5_000 },
    );
    expect(server.group("live")[0].complete).toBe(false);
    hub.trialFinish({ studyName: "live", trial: frozenTrial({ number: 0, state: "COMPLETE", params: { x: 1 }, value: 1, intermediate: [[1, 1]] }) });
    await hub.close();
    expect(server.group("live")[0].complete).toBe(true);
  });

  it("honours WANDB_* conventions: group, entity, project, tags from the environment", async () => {
    const t = wandb({
      apiKey: KEY,
      batchIntervalMs: 20,
      log: (m) => logs.push(m),
      env: {
        WANDB_BASE_URL: server.baseUrl,
        WANDB_PROJECT: "env-project",
        WANDB_ENTITY: "team-x",
        WANDB_RUN_GROUP: "custom-group",
        WANDB_TAGS: "a, b",
      },
    });
    const hub = new TrackerHub([t]);
    hub.trialStart({ studyName: "s", trial: frozenTrial({ number: 0, state: "RUNNING", params: { x: 1 } }) });
    hub.trialFinish({ studyName: "s", trial: frozenTrial({ number: 0, state: "COMPLETE", params: { x: 1 }, value: 2 }) });
    await hub.close();
    const [run] = server.group("custom-group");
    expect(run).toMatchObject({ entity: "team-x", project: "env-project", tags: ["a", "b"], exitCode: 0 });
  });

  it("ends runs whose trial never finished as interrupted (exit code 1) when closed", async () => {
    const hub = new TrackerHub([tracker()]);
    hub.trialStart({ studyName: "cut", trial: frozenTrial({ number: 0, state: "RUNNING", params: { x: 1 } }) });
    hub.report({ studyName: "cut", trialNumber: 0, step: 1, value: 3, metrics: { value: 3 }, params: { x: 1 } });
    hub.studyEnd({ studyName: "cut", reason: "interrupted" });
    await hub.close();
    const [run] = server.group("cut");
    expect(run.history.map((r) => r.value)).toEqual([3]);
    expect(run.summary).toMatchObject({ trial_state: "interrupted", value: 3 });
    expect(run.exitCode).toBe(1);
  });
  it("ends the run of a trial another process left running (failed here as stale): same run, state failed, with the reason", async () => {
    const start = new Date(Date.now() - 60_000);
    // Process A: starts trial 4, reports, and dies (its tracker is never closed).
    const a = tracker();
    a.onTrialStart!({ studyName: "stale", trial: frozenTrial({ number: 4, state: "RUNNING", params: { x: 1 }, start }) });
    a.onReport!({ studyName: "stale", trialNumber: 4, step: 0, value: 0.3, metrics: { meteor: 0.3, val_loss: 2 }, params: { x: 1 } });
    const deadline = Date.now() + 10_000;
    while (server.group("stale")[0]?.history.length !== 1 && Date.now() < deadline) await pause(20);
    expect(server.group("stale")[0].complete).toBe(false);
    // Process B finds it stale and tells its own tracker.
    const b = tracker();
    const failed = frozenTrial({ number: 4, state: "FAIL", params: { x: 1 }, start, metrics: [[0, { meteor: 0.3, val_loss: 2 }]], intermediate: [[0, 0.3]] });
    const withReason = { ...failed, systemAttrs: { fail_reason: "stale: no heartbeat for 21.0 s" } };
    b.onTrialFinish!({ studyName: "stale", trial: withReason });
    await b.close!();
    const runs = server.group("stale");
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ complete: true, exitCode: 1, displayName: "trial-4" });
    expect(runs[0].summary).toMatchObject({ trial_state: "failed", fail_reason: "stale: no heartbeat for 21.0 s", meteor: 0.3, val_loss: 2 });
    expect(runs[0].history.map((r) => r.meteor)).toEqual([0.3]);
    expect(server.violations).toEqual([]);
  });
});
