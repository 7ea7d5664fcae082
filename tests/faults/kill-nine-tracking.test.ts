/**
 * `kill -9` of `hpo run` in the middle of a trial, then the same command again: the killed
 * trial's tracking ends true (JSONL failure line, its W&B run ended as failed by the second
 * process), the retry names it everywhere, every report made before the kill is in the JSONL
 * file, and a `command` trial resumes from the checkpoint its predecessor left in its folder.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStorage, type FrozenTrial } from "hpo";
import { jsonlFileFor, readJsonlEvents, type JsonlEvent } from "hpo/trackers/jsonl";
import { findOfflineRuns, readOfflineRun } from "hpo/trackers/wandb";
import { freshPgliteFolder } from "../support/backends.ts";
import { runHpo, startHpo } from "../support/run-hpo.ts";

/** Polls until `path` exists (the trial says it is stuck where the test kills it). */
async function waitForFile(path: string, what: string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${what}: ${path} never appeared`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Kills `hpo run` with SIGKILL once `marker` appears and `ready()` holds (what the test needs
 * on disk before the kill), and waits for it to be gone.
 */
async function runUntilKilled(args: string[], marker: string, env: NodeJS.ProcessEnv, ready: () => Promise<boolean> = async () => true): Promise<void> {
  const { child, done } = startHpo(args, { env });
  const ended = done.then((r) => {
    if (!existsSync(marker)) throw new Error(`hpo ended before the trial got stuck (code ${r.code}):\n${r.stderr}`);
    return r;
  });
  await Promise.race([waitForFile(marker, "the trial to get stuck"), ended]);
  const deadline = Date.now() + 120_000;
  while (!(await ready()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  child.kill("SIGKILL");
  const result = await done;
  expect(result.signal).toBe("SIGKILL");
}

/** Runs the study file again (past the point where it got stuck) and reads its trials back. */
async function rerunAndRead(file: string, storage: string, dir: string, studyName: string): Promise<{ trials: readonly FrozenTrial[]; stderr: string }> {
  writeFileSync(join(dir, "second-run"), "");
  const rerun = await runHpo(["run", file, "--storage", storage, "--quiet"]);
  expect(rerun.code, rerun.stderr).toBe(0);
  const s = await openStorage(storage);
  try {
    const study = (await s.findStudy(studyName))!;
    return { trials: (await s.getTrials(study.studyId)).trials, stderr: rerun.stderr };
  } finally {
    await s.close();
  }
}

const reportsOf = (events: JsonlEvent[], trial: number) =>
  events.filter((e): e is Extract<JsonlEvent, { event: "report" }> => e.event === "report" && e.trial === trial).map((e) => [e.step, e.metrics]);

describe("kill -9 of hpo run, then a rerun", { timeout: 400_000 }, () => {
  it("leaves JSONL and offline W&B true: the killed trial ends FAIL in both, its retry names it, no report is lost", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hpo-kill9-"));
    const file = join(dir, "study.ts");
    writeFileSync(
      file,
      `
import { existsSync, writeFileSync } from "node:fs";
import { defineStudy, param } from "hpo";
import { jsonl } from "hpo/trackers/jsonl";
import { wandb } from "hpo/trackers/wandb";
const dir = ${JSON.stringify(dir)};
export default defineStudy({
  name: "kill9",
  direction: "maximize",
  metric: "meteor",
  space: { x: param.float(0, 1) },
  nTrials: 2,
  trackers: [jsonl({ path: dir }), wandb({ mode: "offline", dir, project: "kill9", env: {} })],
  objective: async (trial) => {
    for (let epoch = 0; epoch < 3; epoch++) {
      trial.report({ val_loss: 3 - epoch, meteor: epoch / 10 }, epoch);
      if (trial.number === 0 && epoch === 1 && !existsSync(dir + "/second-run")) {
        await new Promise((r) => setTimeout(r, 300)); // its reports reach the trackers
        writeFileSync(dir + "/stuck", "");
        await new Promise(() => setInterval(() => {}, 1000)); // until killed (the timer keeps the process up)
      }
    }
    return { meteor: 0.2 };
  },
});
`,
    );
    const storage = freshPgliteFolder();
    // The killed process's offline run holds the two rows it logged (its writes are async).
    const logged = async () => {
      try {
        const runs = await Promise.all((await findOfflineRuns(dir)).map(readOfflineRun));
        return runs.some((r) => r.displayName === "trial-0" && r.history.length === 2);
      } catch {
        return false; // a record still being written
      }
    };
    await runUntilKilled(["run", file, "--storage", storage, "--quiet"], join(dir, "stuck"), {}, logged);
    const { trials, stderr } = await rerunAndRead(file, storage, dir, "kill9");
    const killed = trials[0];
    expect(killed.state).toBe("FAIL");
    const retry = trials.find((t) => t.systemAttrs.retry_of === 0)!;
    expect(retry.state).toBe("COMPLETE");

    const events = await readJsonlEvents(jsonlFileFor(dir, "kill9"));
    // Every report the killed trial made before the kill, with every metric.
    expect(reportsOf(events, 0)).toEqual([
      [0, { val_loss: 3, meteor: 0 }],
      [1, { val_loss: 2, meteor: 0.1 }],
    ]);
    const finish = events.find((e) => e.event === "trial_finish" && e.trial === 0);
    expect(finish).toMatchObject({ state: "FAIL", failReason: expect.stringMatching(/^stale: /) as unknown });
    expect(events.find((e) => e.event === "trial_start" && e.trial === retry.number)).toMatchObject({ retryOf: 0 });
    expect(events.find((e) => e.event === "trial_finish" && e.trial === retry.number)).toMatchObject({ state: "COMPLETE", retryOf: 0 });

    // W&B offline: the killed process's run folder stops without an exit record; the rerun
    // writes the same run id's end (failed, with the reason); the retry is a run naming it.
    const runs = await Promise.all(
      (await findOfflineRuns(dir)).map(async (path) => ({ id: basename(path).slice(4, 12), folder: basename(dirname(path)), run: await readOfflineRun(path) })),
    );
    const ofKilled = runs.filter((r) => r.run.displayName === "trial-0");
    expect(ofKilled).toHaveLength(2);
    expect(ofKilled[0].id).toBe(ofKilled[1].id);
    const [left, ended] = ofKilled[0].run.exitCode === 1 ? [ofKilled[1], ofKilled[0]] : ofKilled;
    expect(left.run.history.map((r) => [r._step, r.meteor])).toEqual([
      [0, 0],
      [1, 0.1],
    ]);
    expect(left.run.final).not.toBe(true);
    expect(ended.run.exitCode).toBe(1);
    expect(ended.run.summary).toMatchObject({ trial_state: "failed", trial_number: 0, fail_reason: expect.stringMatching(/^stale: /) as unknown, meteor: 0.1 });
    const retryRun = runs.find((r) => r.run.displayName === `trial-${retry.number}`)!;
    expect(retryRun.run.config).toMatchObject({ retry_of: 0 });
    expect(retryRun.run.exitCode).toBe(0);
  });

  it("a command trial killed with hpo resumes from the checkpoint it wrote to its folder (HPO_RETRY_OF_DIR)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hpo-kill9-command-"));
    const trainer = join(dir, "trainer.mjs");
    // Checkpoints {epoch} to its trial folder after every epoch; a retry starts after the
    // predecessor's last one. The first run gets stuck in epoch 2 of trial 0.
    writeFileSync(
      trainer,
      `
import { existsSync, readFileSync, writeFileSync, appendFileSync } from "node:fs";
const own = process.env.HPO_TRIAL_DIR, previous = process.env.HPO_RETRY_OF_DIR;
appendFileSync(${JSON.stringify(join(dir, "pids"))}, process.pid + "\\n");
const from = [own, previous].find((d) => d && existsSync(d + "/ckpt.json"));
let epoch = from ? JSON.parse(readFileSync(from + "/ckpt.json", "utf8")).epoch + 1 : 0;
writeFileSync(own + "/started.json", JSON.stringify({ from: from ?? null, epoch, retryOf: process.env.HPO_RETRY_OF ?? null }));
for (; epoch < 4; epoch++) {
  if (epoch === 2 && !existsSync(${JSON.stringify(join(dir, "second-run"))})) {
    await new Promise((r) => setTimeout(r, 300));
    writeFileSync(${JSON.stringify(join(dir, "stuck"))}, "");
    await new Promise(() => setInterval(() => {}, 1000)); // until killed
  }
  console.log("hpo:report " + JSON.stringify({ step: epoch, metrics: { meteor: epoch / 10, val_loss: 3 - epoch } }));
  writeFileSync(own + "/ckpt.json", JSON.stringify({ epoch }));
}
console.log("hpo:result " + JSON.stringify({ value: 0.3 }));
`,
    );
    const file = join(dir, "study.ts");
    writeFileSync(
      file,
      `
import { defineStudy } from "hpo";
import { command } from "hpo/command";
export default defineStudy({
  name: "kill9-command",
  direction: "maximize",
  metric: "meteor",
  nTrials: 1,
  objective: command({ cmd: [process.execPath, ${JSON.stringify(trainer)}], logDir: ${JSON.stringify(join(dir, "trials"))} }),
});
`,
    );
    const storage = freshPgliteFolder();
    await runUntilKilled(["run", file, "--storage", storage, "--quiet"], join(dir, "stuck"), {});
    // The machine died with hpo: its program goes too.
    for (const pid of readFileSync(join(dir, "pids"), "utf8").trim().split("\n").map(Number)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    const { trials, stderr } = await rerunAndRead(file, storage, dir, "kill9-command");
    expect(trials.map((t) => t.state), stderr).toEqual(["FAIL", "COMPLETE"]);
    const [killed, retry] = trials;
    expect(retry.systemAttrs.retry_of).toBe(0);
    // What reached storage before the kill is kept; the kill may beat the last write.
    expect([[], [0], [0, 1]]).toContainEqual([...killed.metrics.keys()]);
    // The retry resumed after epoch 1, from trial 0's folder, and its curve goes on from there.
    const folders = readdirSync(join(dir, "trials", "kill9-command"));
    expect(folders.sort()).toEqual(["trial-0", "trial-1"]);
    const started = JSON.parse(readFileSync(join(dir, "trials", "kill9-command", "trial-1", "started.json"), "utf8")) as Record<string, unknown>;
    expect(started).toEqual({ from: join(dir, "trials", "kill9-command", "trial-0"), epoch: 2, retryOf: "0" });
    expect([...retry.metrics]).toEqual([
      [2, { meteor: 0.2, val_loss: 1 }],
      [3, { meteor: 0.3, val_loss: 0 }],
    ]);
    expect(retry.value).toBe(0.3);
  });
});
