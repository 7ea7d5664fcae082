import { mkdtemp, readFile, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  OfflineRunFile,
  decodeRecord,
  encodeRecord,
  findOfflineRuns,
  frameTransactionLog,
  readOfflineRun,
  readOfflineRunFile,
  readTransactionLog,
  wandb,
  type WandbRecord,
} from "hpo/trackers/wandb";
import { EXPECTED_RUNS, runScriptedStudy } from "./support/scripted-study.ts";
import { runRealStudy } from "./support/real-study.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hpo-wandb-offline-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("wandb tracker (offline): transaction logs for `wandb sync`", () => {
  it("writes wandb/offline-run-YYYYMMDD_HHMMSS-<id>/run-<id>.wandb per trial, and they read back as the runs", async () => {
    const logs: string[] = [];
    await runScriptedStudy([wandb({ mode: "offline", dir, project: "captioner", tags: ["t1"], env: {}, log: (m) => logs.push(m) })]);

    const files = await findOfflineRuns(dir);
    expect(files).toHaveLength(3);
    for (const f of files) {
      const id = /run-([a-z0-9]{8})\.wandb$/.exec(f)![1];
      expect(basename(dirname(f))).toMatch(new RegExp(`^offline-run-\\d{8}_\\d{6}-${id}$`));
      expect((await stat(join(dirname(f), "files"))).isDirectory()).toBe(true);
    }
    const runs = await Promise.all(files.map(readOfflineRun));
    runs.sort((a, b) => a.displayName!.localeCompare(b.displayName!));
    for (const [i, expected] of EXPECTED_RUNS.entries()) {
      const run = runs[i];
      expect(run).toMatchObject({ project: "captioner", group: "sweep-a", jobType: "trial", displayName: expected.displayName, tags: ["t1"] });
      expect(run.config).toEqual(expected.config);
      expect(run.history.map((r) => r._step)).toEqual(expected.steps);
      expect(run.history.map((r) => r.value)).toEqual(expected.values);
      expect(run.summary).toMatchObject(expected.summary);
      expect(run.exitCode).toBe(expected.exitCode);
      expect(run.final).toBe(true);
    }
    expect(logs.filter((m) => m.includes("steps only move forward"))).toHaveLength(1);
  });

  it("writes the records the W&B SDK writes, in its order: header, run, config/history, exit, summary, final, footer", async () => {
    await runScriptedStudy([wandb({ mode: "offline", dir, env: {}, log: () => {} })]);
    const files = await findOfflineRuns(dir);
    const types = await Promise.all(files.map(async (f) => (await readOfflineRunFile(f)).records.map((r) => r.type)));
    const pruned = types.find((t) => t.includes("config"))!; // trial 1: params arrive while it runs
    expect(pruned).toEqual(["header", "run", "config", "history", "config", "history", "exit", "summary", "final", "footer"]);
    for (const t of types) expect(t.slice(-4)).toEqual(["exit", "summary", "final", "footer"]);
  });

  it("writes a run and reads back the same records, byte for byte", async () => {
    const records: WandbRecord[] = [
      { type: "header" },
      { type: "run", run: { runId: "zz9plural", project: "p", runGroup: "g", config: [{ key: "lr", valueJson: "0.1" }] } },
      ...Array.from({ length: 300 }, (_, i): WandbRecord => ({
        type: "history",
        items: [{ key: "value", valueJson: String(i / 7) }, { key: "_step", valueJson: String(i) }, { key: "blob", valueJson: JSON.stringify("x".repeat(i * 13)) }],
        step: i,
      })),
      { type: "exit", exitCode: 0, runtime: 3 },
      { type: "summary", update: [{ key: "value", valueJson: "0.5" }] },
      { type: "final" },
      { type: "footer" },
    ];
    const file = await OfflineRunFile.create(dir, "zz9plural", new Date(2024, 0, 2, 3, 4, 5));
    await file.append(...records.slice(0, 100));
    await file.append(...records.slice(100));
    await file.close();
    expect(file.path).toBe(join(dir, "wandb", "offline-run-20240102_030405-zz9plural", "run-zz9plural.wandb"));
    const back = await readOfflineRunFile(file.path);
    expect(back.records).toEqual(records);
    expect(back.chunks).toBeGreaterThan(records.length); // ~580 KiB: some records span blocks
    const bytes = new Uint8Array(await readFile(file.path));
    const raw = readTransactionLog(bytes).records;
    expect(raw.map(decodeRecord)).toEqual(records);
    expect(Buffer.from(frameTransactionLog(records.map(encodeRecord))).equals(bytes)).toBe(true);
  });

  it("logs a real study offline, and WANDB_MODE / WANDB_DIR choose offline mode and the folder", async () => {
    const outcome = await runRealStudy("offline-real", [wandb({ env: { WANDB_MODE: "offline", WANDB_DIR: dir }, log: () => {} })]);
    expect(outcome.finished).toBe(4);
    const runs = (await Promise.all((await findOfflineRuns(dir)).map(readOfflineRun))).sort((a, b) =>
      a.displayName!.localeCompare(b.displayName!),
    );
    expect(runs.map((r) => r.exitCode)).toEqual([0, 0, 0, 1]);
    expect(runs.map((r) => r.summary.trial_state)).toEqual(["complete", "pruned", "complete", "failed"]);
    for (const [i, run] of runs.entries()) {
      expect(run.group).toBe("offline-real");
      expect(run.config).toEqual(outcome.trials[i].params);
      expect(run.history.map((r) => r.value)).toEqual([...outcome.trials[i].intermediateValues.values()]);
    }
    expect(await readdir(join(dir, "wandb"))).toHaveLength(4);
  });
});
