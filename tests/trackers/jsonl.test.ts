import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InMemoryStorage, TrackerHub } from "hpo";
import { jsonl, jsonlFileFor, readJsonlEvents, type JsonlEvent } from "hpo/trackers/jsonl";
import { frozenTrial } from "./support/frozen-trials.ts";
import { runScriptedStudy } from "./support/scripted-study.ts";
import { runRealStudy } from "./support/real-study.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hpo-jsonl-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("jsonl tracker", () => {
  it("writes one event per line, one file per study, in event order", async () => {
    await runScriptedStudy([jsonl({ path: dir })], "study/one");
    const file = jsonlFileFor(dir, "study/one");
    expect(file).toBe(join(dir, "study%2Fone.jsonl"));
    const text = await readFile(file, "utf8");
    const lines = text.trimEnd().split("\n");
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    const events = await readJsonlEvents(file);
    expect(events.map((e) => e.event)).toEqual([
      "study_start", "trial_start", "trial_start",
      "report", "report", "report", "report", "report",
      "trial_finish", "trial_finish", "trial_start",
      "report", "report", "report", "report", "trial_finish", "study_end",
    ]);
    expect(events.every((e) => e.study === "study/one" && !Number.isNaN(Date.parse(e.time)))).toBe(true);
    const finishes = events.filter((e): e is Extract<JsonlEvent, { event: "trial_finish" }> => e.event === "trial_finish");
    expect(finishes.map((e) => [e.trial, e.state])).toEqual([[1, "PRUNED"], [0, "COMPLETE"], [2, "FAIL"]]);
    expect(finishes[1]).toMatchObject({ value: 0.95, params: { lr: 0.01, layers: 2 }, intermediateValues: [[1, 0.5], [2, 0.7], [3, 0.9]], userAttrs: { epochs: 3 } });
    // NaN survives the round trip (it is tagged on disk, since JSON has no NaN).
    const reports = events.filter((e): e is Extract<JsonlEvent, { event: "report" }> => e.event === "report");
    expect(Number.isNaN(reports[reports.length - 1].value)).toBe(true);
  });

  it("appends to the study's file across runs (resume) and keeps studies apart", async () => {
    const storage = new InMemoryStorage();
    await runRealStudy("alpha", [jsonl({ path: dir })], 2, storage);
    await runRealStudy("beta", [jsonl({ path: dir })], 1, storage);
    await runRealStudy("alpha", [jsonl({ path: dir })], 2, storage);
    const alpha = await readJsonlEvents(jsonlFileFor(dir, "alpha"));
    const beta = await readJsonlEvents(jsonlFileFor(dir, "beta"));
    expect(alpha.filter((e) => e.event === "study_start")).toHaveLength(2);
    expect(alpha.filter((e) => e.event === "trial_finish").map((e) => (e as { trial: number }).trial)).toEqual([0, 1, 2, 3]);
    expect(alpha.filter((e) => e.event === "study_start").map((e) => (e as { finishedBefore: number }).finishedBefore)).toEqual([0, 2]);
    expect(beta.filter((e) => e.event === "trial_finish")).toHaveLength(1);
  });

  it("writes each line before the call that produced it returns (no buffer a crash could lose)", async () => {
    const tracker = jsonl({ path: dir });
    tracker.onTrialStart!({ studyName: "b", trial: frozenTrial({ number: 0, state: "RUNNING", params: { x: 1 } }) });
    tracker.onReport!({ studyName: "b", trialNumber: 0, step: 0, value: 1, metrics: { value: 1, loss: Number.NaN }, params: { x: 1 } });
    // Read synchronously right after the calls: no timer, no await in between.
    const lines = readFileSync(jsonlFileFor(dir, "b"), "utf8").split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe("");
    expect((await readJsonlEvents(jsonlFileFor(dir, "b"))).map((e) => e.event)).toEqual(["trial_start", "report"]);
  });

  it("skips a line torn by a crash, with a warning, and starts the next run's lines on a line of their own", async () => {
    const file = jsonlFileFor(dir, "torn");
    const whole = '{"event":"trial_start","time":"t","study":"torn","trial":0,"params":{}}';
    await writeFile(file, `${whole}\n{"event":"report","time":"t","stu`);
    const warnings: string[] = [];
    expect((await readJsonlEvents(file, { warn: (m) => warnings.push(m) })).map((e) => e.event)).toEqual(["trial_start"]);
    expect(warnings).toEqual([`hpo: jsonl: ${file}: skipped its last line, cut short (the writing process was killed): {"event":"report","time":"t","stu`]);
    const tracker = jsonl({ path: dir });
    tracker.onStudyEnd!({ studyName: "torn", reason: "completed" });
    warnings.length = 0;
    expect((await readJsonlEvents(file, { warn: (m) => warnings.push(m) })).map((e) => e.event)).toEqual(["trial_start", "study_end"]);
    expect(warnings).toEqual([`hpo: jsonl: ${file}: skipped line 2, cut short (the writing process was killed): {"event":"report","time":"t","stu`]);
  });

  it("refuses at once, naming the cause, a path where it cannot write", async () => {
    const blocker = join(dir, "not-a-folder");
    await writeFile(blocker, "x");
    expect(() => jsonl({ path: blocker })).toThrow(`jsonl(): path "${blocker}": ${blocker} is not a folder: a file of that name exists`);
    expect(() => jsonl({ path: join(blocker, "runs") })).toThrow(/cannot create the folder .*not-a-folder\/runs: ENOTDIR/);
    if (existsSync("/proc/self")) {
      // Node's recursive mkdir spins forever here; this one answers at once.
      const started = Date.now();
      expect(() => jsonl({ path: "/proc/hpo-runs/deeper" })).toThrow('jsonl(): path "/proc/hpo-runs/deeper": cannot create the folder /proc/hpo-runs: the file system does not allow new folders there');
      expect(Date.now() - started).toBeLessThan(1000);
    }
  });

  it("logs once and lets the study finish when its folder goes away while it runs", async () => {
    const folder = join(dir, "vanishing");
    const logs: string[] = [];
    const tracker = jsonl({ path: folder, flushIntervalMs: 5, log: (m) => logs.push(m) });
    await rm(folder, { recursive: true });
    await writeFile(folder, "x");
    const outcome = await runRealStudy("blocked", [tracker]);
    expect(outcome.finished).toBe(4);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/^hpo: jsonl: cannot append to .*vanishing\/blocked\.jsonl: ENOTDIR/);
  });

  it("rejects invalid options with a message naming them", () => {
    expect(() => jsonl({ flushIntervalMs: -1 })).toThrow("jsonl(): flushIntervalMs: must be a positive whole number of milliseconds");
    expect(() => jsonl({ pth: "x" } as never)).toThrow(`jsonl(): unknown option "pth"`);
  });
});
