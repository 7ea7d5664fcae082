import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isProcessAlive, pidsIn, waitFor, writeChildPrograms, type ChildPrograms } from "./child-programs.ts";

// A real runner process (a study with two concurrent command trials, each program with a
// grandchild) is killed the ways a user kills hpo; afterwards no process it started may
// remain.

const root = fileURLToPath(new URL("../../", import.meta.url));

let programs: ChildPrograms;
let runnerPath: string;
beforeAll(() => {
  programs = writeChildPrograms();
  runnerPath = join(programs.dir, "runner.mts");
  writeFileSync(
    runnerPath,
    `
import { createStudy } from ${JSON.stringify(join(root, "src/index.ts"))};
import { command } from ${JSON.stringify(join(root, "objectives/command/index.ts"))};
const [logDir, ignoreSigterm] = process.argv.slice(2);
// "exit" on stdin: leave through process.exit, as a CLI does after an error.
process.stdin.on("data", (data) => { if (String(data).includes("exit")) process.exit(0); });
const study = await createStudy({ storage: "memory", studyName: "orphan-check" });
const steps = [{ fork: true }, { report: [1, 0.5] }, { sleep: 60000 }, { result: 1 }];
await study.optimize(
  command({
    cmd: ${JSON.stringify(programs.scriptedTrainer)},
    logDir,
    gracePeriod: 400,
    env: { SCRIPT: JSON.stringify(steps), IGNORE_SIGTERM: ignoreSigterm },
  }),
  { nTrials: 2, concurrency: 2 },
);
`,
  );
});
afterAll(() => programs.cleanup());

/** A study file for `hpo run`: the same two programs, each ignoring SIGTERM. */
function writeStudyFile(): string {
  const path = join(programs.dir, "orphan-study.ts");
  writeFileSync(
    path,
    `
import { defineStudy } from "hpo";
import { command } from "hpo/command";
const steps = [{ fork: true }, { report: [1, 0.5] }, { sleep: 60000 }, { result: 1 }];
export default defineStudy({
  name: "orphan-check",
  nTrials: 2,
  concurrency: 2,
  objective: command({
    cmd: ${JSON.stringify(programs.scriptedTrainer)},
    logDir: process.env.ORPHAN_LOG_DIR,
    gracePeriod: 400,
    env: { SCRIPT: JSON.stringify(steps), IGNORE_SIGTERM: "1" },
  }),
});
`,
  );
  return path;
}

interface Runner {
  readonly process: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly logDir: string;
  stderr: string;
}

/** Starts the runner and waits until both trials' programs and grandchildren are up. */
async function startRunner(ignoreSigterm: boolean, via: "script" | "hpo run" = "script"): Promise<{ runner: Runner; pids: number[] }> {
  const logDir = mkdtempSync(join(tmpdir(), "hpo-command-orphans-"));
  const args =
    via === "script"
      ? ["--import", "tsx", runnerPath, logDir, ignoreSigterm ? "1" : "0"]
      : [join(root, "bin/hpo.js"), "run", writeStudyFile(), "--storage", "memory", "--quiet"];
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ORPHAN_LOG_DIR: logDir },
    stdio: ["pipe", "ignore", "pipe"],
  });
  const runner: Runner = {
    process: child,
    logDir,
    stderr: "",
    exited: new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal }))),
  };
  child.stderr?.on("data", (d) => (runner.stderr += String(d)));
  const pids = () => {
    const studyDir = join(logDir, "orphan-check");
    if (!existsSync(studyDir)) return [];
    return readdirSync(studyDir).flatMap((trial) => pidsIn(join(studyDir, trial)));
  };
  const ready = await waitFor(() => pids().length === 4, 45_000); // tsx start-up on a loaded machine
  if (!ready) {
    child.kill("SIGKILL");
    throw new Error(`runner did not start both programs: ${runner.stderr}`);
  }
  return { runner, pids: pids() };
}

async function expectNoOrphans(runner: Runner, pids: number[]): Promise<void> {
  const gone = await waitFor(() => pids.every((pid) => !isProcessAlive(pid)), 5000);
  const alive = pids.filter(isProcessAlive);
  for (const pid of alive) process.kill(pid, "SIGKILL"); // leave the machine clean even on failure
  rmSync(runner.logDir, { recursive: true, force: true });
  expect(alive).toEqual([]);
  expect(gone).toBe(true);
}

describe("killing the runner kills every program it started", () => {
  it("on SIGTERM: programs and grandchildren stopped, then the runner ends by SIGTERM", async () => {
    const { runner, pids } = await startRunner(false);
    expect(pids.every(isProcessAlive)).toBe(true);
    runner.process.kill("SIGTERM");
    const exit = await runner.exited;
    await expectNoOrphans(runner, pids);
    expect(exit).toEqual({ code: null, signal: "SIGTERM" });
  });

  it("on SIGINT (Ctrl-C), SIGKILLing programs that ignore SIGTERM after the grace period", async () => {
    const { runner, pids } = await startRunner(true);
    const sent = Date.now();
    runner.process.kill("SIGINT");
    const exit = await runner.exited;
    const waited = Date.now() - sent;
    await expectNoOrphans(runner, pids);
    expect(exit).toEqual({ code: null, signal: "SIGINT" });
    expect(waited).toBeGreaterThanOrEqual(400); // the grace period before SIGKILL
  });

  it("on Ctrl-C of `hpo run`, whose own handler marks the trials interrupted", async () => {
    const { runner, pids } = await startRunner(true, "hpo run");
    runner.process.kill("SIGINT");
    const exit = await runner.exited;
    await expectNoOrphans(runner, pids);
    expect(exit).toEqual({ code: 130, signal: null });
    expect(runner.stderr).toMatch(/hpo: 2 trial\(s\): 0 complete, 0 pruned, 2 failed/);
  });

  // The programs print nothing after their first report, so nothing tells them the runner is
  // gone (no EPIPE): only the watchdog the runner started can stop them.
  it("on kill -9 of the runner, whose programs print nothing more", async () => {
    const { runner, pids } = await startRunner(true);
    runner.process.kill("SIGKILL");
    await runner.exited;
    await expectNoOrphans(runner, pids);
  });

  it("on kill -9 of `hpo run`", async () => {
    const { runner, pids } = await startRunner(true, "hpo run");
    runner.process.kill("SIGKILL");
    await runner.exited;
    await expectNoOrphans(runner, pids);
  });

  it("on process.exit", async () => {
    const { runner, pids } = await startRunner(true);
    runner.process.stdin?.write("exit\n");
    const exit = await runner.exited;
    await expectNoOrphans(runner, pids);
    expect(exit).toEqual({ code: 0, signal: null });
  });
});
