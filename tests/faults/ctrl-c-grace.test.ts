import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HPO_BIN } from "../support/run-hpo.ts";

// Issue 17, defect 6: on Ctrl-C, `hpo run` SIGKILLed a command objective's program ~25 ms
// after SIGTERM, whatever its gracePeriod, so "save a checkpoint on SIGTERM" never worked.
// A terminal's Ctrl-C sends SIGINT to the whole foreground process group: hpo is started
// in a group of its own here, and the group gets the signal (the trial programs run in
// sessions of their own, so only hpo can pass it on).

const GRACE_MS = 3000;
const SAVE_MS = 1200;

/** Trial 0 saves a checkpoint for SAVE_MS on SIGTERM and exits; trial 1 ignores SIGTERM. */
const PROGRAM = String.raw`
import { appendFileSync, writeFileSync } from "node:fs";
const dir = process.env.HPO_TRIAL_DIR;
const stubborn = process.env.HPO_TRIAL_NUMBER === "1";
writeFileSync(dir + "/pid", String(process.pid));
process.on("SIGTERM", () => {
  appendFileSync(dir + "/sigterm", Date.now() + "\n");
  if (stubborn) return;
  setTimeout(() => { writeFileSync(dir + "/checkpoint", "saved"); process.exit(0); }, ${SAVE_MS});
});
process.on("exit", () => writeFileSync(dir + "/exited", String(Date.now())));
console.log("hpo:report " + JSON.stringify({ step: 0, value: 1 }));
setInterval(() => {}, 1000);
`;

function studyFile(dir: string, workers: number): string {
  const program = join(dir, "trainer.mjs");
  writeFileSync(program, PROGRAM);
  const file = join(dir, `grace-${workers}.ts`);
  writeFileSync(
    file,
    `
import { defineStudy } from "hpo";
import { command } from "hpo/command";
export default defineStudy({
  name: "grace-${workers}",
  direction: "minimize",
  nTrials: 2,
  concurrency: ${workers === 1 ? 2 : 1},
  objective: command({ cmd: [${JSON.stringify(process.execPath)}, ${JSON.stringify(program)}], logDir: ${JSON.stringify(join(dir, "trials"))}, gracePeriod: ${GRACE_MS} }),
});
`,
  );
  return file;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

async function waitFor(ok: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

describe("Ctrl-C of hpo run with command trials", { timeout: 120_000 }, () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "hpo-grace-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const workers of [1, 2]) {
    it(`honours the grace period: one program saves its checkpoint, the other is killed only after it (${workers === 1 ? "one process" : "--workers 2"})`, async () => {
      const file = studyFile(dir, workers);
      const trials = join(dir, "trials", `grace-${workers}`);
      const hpo = spawn(process.execPath, [HPO_BIN, "run", file, "--storage", "memory", ...(workers > 1 ? ["--workers", String(workers)] : [])], {
        cwd: dir,
        detached: true, // its own process group, as a terminal's foreground job
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      hpo.stderr!.on("data", (d) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => hpo.once("exit", (code) => resolve(code)));
      const pidFile = (n: number) => join(trials, `trial-${n}`, "pid");
      const started = await waitFor(() => existsSync(pidFile(0)) && existsSync(pidFile(1)), 60_000);
      expect(started, stderr).toBe(true);
      const pids = [0, 1].map((n) => Number(readFileSync(pidFile(n), "utf8")));
      await new Promise((r) => setTimeout(r, 300));

      const pressed = Date.now();
      process.kill(-hpo.pid!, "SIGINT");
      const code = await exited;
      const exitedAfter = Date.now() - pressed;
      for (const pid of pids) if (isAlive(pid)) process.kill(pid, "SIGKILL");

      const read = (n: number, name: string) => {
        const path = join(trials, `trial-${n}`, name);
        return existsSync(path) ? Number(readFileSync(path, "utf8").split("\n")[0]) : null;
      };
      const stubbornTerm = read(1, "sigterm");
      const stubbornGone = await waitFor(() => !isAlive(pids[1]), 5000);
      console.log(
        `Ctrl-C (${workers === 1 ? "one process" : "--workers 2"}): saver checkpoint ${existsSync(join(trials, "trial-0", "checkpoint")) ? "saved" : "missing"}, ` +
          `exited ${read(0, "exited") !== null && read(0, "sigterm") !== null ? read(0, "exited")! - read(0, "sigterm")! : "?"} ms after SIGTERM; ` +
          `stubborn SIGTERM ${stubbornTerm !== null ? stubbornTerm - pressed : "?"} ms after Ctrl-C, hpo exited ${exitedAfter} ms after Ctrl-C (grace ${GRACE_MS} ms), code ${code}`,
      );
      expect(existsSync(join(trials, "trial-0", "checkpoint"))).toBe(true);
      expect(stubbornTerm).not.toBeNull();
      // SIGKILL comes no earlier than the grace period after SIGTERM: hpo is still there until then.
      expect(Date.now() - stubbornTerm!).toBeGreaterThanOrEqual(GRACE_MS);
      expect(pressed + exitedAfter - stubbornTerm!).toBeGreaterThanOrEqual(GRACE_MS - 100);
      expect(stubbornGone).toBe(true);
      expect(code).toBe(130);
      expect(stderr).toMatch(/interrupted/);
    });
  }
});
