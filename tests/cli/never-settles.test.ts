import { afterAll, describe, expect, it } from "vitest";
import { studyFiles } from "../support/study-files.ts";
import { runHpo } from "../support/run-hpo.ts";

// Issue 17, defect 10: a promise that never settles, with nothing left that could settle it,
// made Node exit with code 13 and no message at all.

const files = studyFiles("never");
const studyFile = files.write;
afterAll(() => files.cleanup());

describe("a promise that never settles", { timeout: 120_000 }, () => {
  it("in an objective: says which trial, marks it FAIL (so the next run does not retry it into the same hang), exits 1", async () => {
    const file = studyFile(
      "objective",
      `export default defineStudy({ name: "never-objective", direction: "minimize", nTrials: 3,
        objective: (t) => { const x = t.suggestFloat("x", 0, 1); return t.number === 1 ? new Promise<number>(() => {}) : x; } });`,
    );
    // Memory storage: the count in the message is what the storage confirmed it marked FAIL.
    const result = await runHpo(["run", file, "--storage", "memory", "--quiet"]);
    expect(result.stderr).toMatch(/hpo: stopped: waiting for the objective of trial 1, which can never finish: .*never resolves or rejects.*; 1 running trial\(s\) marked FAIL/);
    expect(result.code).toBe(1);
  });

  it("in a study file's top-level await: names the file", async () => {
    const file = studyFile("top-level", `await new Promise(() => {});\nexport default defineStudy({ name: "never-tla", direction: "minimize", objective: () => 1 });`);
    const result = await runHpo(["run", file, "--storage", "memory"]);
    expect(result.stderr).toBe(`hpo: stopped: waiting for the study file ${file} (its top-level code), which can never finish: it waits on a promise that never resolves or rejects, and nothing is left (no timer, socket or child process) that could settle it\n`);
    expect(result.code).toBe(1);
  });

  it("in a tracker's close(): names the tracker", async () => {
    const file = studyFile(
      "tracker",
      `export default defineStudy({ name: "never-tracker", direction: "minimize", nTrials: 2,
        trackers: [{ name: "stuck", close: () => new Promise<void>(() => {}) }], objective: (t) => t.suggestFloat("x", 0, 1) });`,
    );
    const result = await runHpo(["run", file, "--storage", "memory", "--quiet"]);
    expect(result.stderr).toMatch(/hpo: stopped: waiting for tracker "stuck" close\(\), which can never finish/);
    expect(result.code).toBe(1);
  });
});
