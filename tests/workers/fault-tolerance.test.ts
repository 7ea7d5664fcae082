import type { ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { FrozenTrial } from "hpo";
import { freshPgliteFolder, readStudyTrials, uniqueName } from "../support/backends.ts";
import { privatePostgresUnavailable, startPrivatePostgres } from "../support/private-postgres.ts";
import { startHpo, type HpoResult } from "../support/run-hpo.ts";

const PG = process.env.HPO_TEST_DATABASE_URL;

/** A study whose trials train for a few "epochs", checkpointing each, and say so on stderr. */
function writeStudy(options: { trials: number; epochs: number; epochMs: number; grace?: number }): string {
  const dir = mkdtempSync(join(tmpdir(), "hpo-fault-"));
  const file = join(dir, "study.ts");
  writeFileSync(
    file,
    `import { defineStudy } from "hpo";
export default defineStudy({
  name: process.env.FAULT_STUDY!,
  nTrials: ${options.trials},
  heartbeatInterval: 0.3,
  gracePeriod: ${options.grace ?? 1.5},
  objective: async (trial) => {
    const x = trial.suggestFloat("x", 0, 1);
    const saved = await trial.checkpoint.load<{ epoch: number }>();
    if (saved) console.error(\`RESUMED trial=\${trial.number} after=\${saved.epoch}\`);
    for (let epoch = saved ? saved.epoch + 1 : 0; epoch < ${options.epochs}; epoch++) {
      await new Promise((r) => setTimeout(r, ${options.epochMs}));
      trial.report(x + epoch, epoch);
      await trial.checkpoint.save({ epoch });
      console.error(\`EPOCH trial=\${trial.number} epoch=\${epoch} pid=\${process.pid}\`);
    }
    return x;
  },
});
`,
  );
  return file;
}

/** Resolves with the first stderr line matching `pattern`. */
function waitForLine(child: ChildProcess, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve) => {
    let buffer = "";
    child.stderr!.on("data", (d: Buffer) => {
      buffer += d.toString();
      const m = buffer.match(pattern);
      if (m) resolve(m);
    });
  });
}

/** The invariants every fault must leave intact. */
function checkInvariants(trials: readonly FrozenTrial[], budget: number): void {
  expect(trials.map((t) => t.number)).toEqual(trials.map((_, i) => i)); // dense and unique
  expect(trials.every((t) => ["COMPLETE", "PRUNED", "FAIL"].includes(t.state))).toBe(true);
  const retried = new Set(trials.filter((t) => typeof t.systemAttrs.retry_of === "number").map((t) => t.systemAttrs.retry_of as number));
  const counted = trials.filter((t) => !(t.state === "FAIL" && retried.has(t.number)));
  expect(counted).toHaveLength(budget);
}

function expectResumedRetry(trials: readonly FrozenTrial[], killedNumber: number): void {
  const failed = trials[killedNumber];
  expect(failed.state).toBe("FAIL");
  expect(String(failed.systemAttrs.fail_reason)).toMatch(/^stale: /);
  expect(failed.intermediateValues.size).toBeGreaterThan(0); // kept for the record
  const retry = trials.find((t) => t.systemAttrs.retry_of === killedNumber)!;
  expect(retry.state).toBe("COMPLETE");
  expect(retry.params).toEqual(failed.params);
  // It continued from the checkpoint instead of starting over.
  expect(Math.min(...retry.intermediateValues.keys())).toBeGreaterThan(0);
}

describe("fault tolerance", { timeout: 300_000 }, () => {
  it("kill -9 of the runner on embedded storage: the same command continues, the lost trial is retried from its checkpoint", async () => {
    const name = uniqueName("kill-runner");
    const file = writeStudy({ trials: 4, epochs: 4, epochMs: 150 });
    const storage = freshPgliteFolder();
    const env = { FAULT_STUDY: name };
    const first = startHpo(["run", file, "--storage", storage], { env });
    const m = await waitForLine(first.child, /EPOCH trial=(\d+) epoch=1 pid=\d+/);
    first.child.kill("SIGKILL");
    await first.done;
    const killed = Number(m[1]);
    const second = await startHpo(["run", file, "--storage", storage], { env }).done;
    expect(second.stderr).toMatch(new RegExp(`trial ${killed} \\(stale: the process running it ended.*\\) will be retried as trial \\d+`));
    expect(second.stderr).toMatch(/RESUMED trial=\d+ after=1/);
    expect(second.code).toBe(0);
    const trials = await readStudyTrials(storage, name);
    checkInvariants(trials, 4);
    expectResumedRetry(trials, killed);
  });

  it.runIf(PG)("kill -9 of a worker mid-trial: another worker fails it after the grace period, retries it from its checkpoint", async () => {
    const name = uniqueName("kill-worker");
    const file = writeStudy({ trials: 4, epochs: 5, epochMs: 200 });
    const env = { FAULT_STUDY: name };
    const a = startHpo(["worker", file, "--storage", PG!], { env });
    const b = startHpo(["worker", file, "--storage", PG!], { env });
    const m = await waitForLine(a.child, /EPOCH trial=(\d+) epoch=2 pid=\d+/);
    a.child.kill("SIGKILL");
    const [ra, rb]: HpoResult[] = await Promise.all([a.done, b.done]);
    expect(ra.signal).toBe("SIGKILL");
    expect(rb.code).toBe(0);
    expect(rb.stderr).toMatch(/RESUMED trial=\d+ after=2/);
    const trials = await readStudyTrials(PG!, name);
    checkInvariants(trials, 4);
    expectResumedRetry(trials, Number(m[1]));
  });

  it.runIf(PG)("8 worker processes × 1,000 fast trials on one study", async () => {
    const name = uniqueName("eight-workers");
    const dir = mkdtempSync(join(tmpdir(), "hpo-eight-"));
    const file = join(dir, "study.ts");
    writeFileSync(
      file,
      `import { defineStudy } from "hpo";
export default defineStudy({ name: process.env.FAULT_STUDY!, nTrials: 8000, objective: (t) => t.suggestFloat("x", -1, 1) ** 2 });`,
    );
    const runs = Array.from({ length: 8 }, () => startHpo(["worker", file, "--storage", PG!, "--quiet"], { env: { FAULT_STUDY: name } }).done);
    const results = await Promise.all(runs);
    expect(results.map((r) => r.code)).toEqual(Array(8).fill(0));
    const trials = await readStudyTrials(PG!, name);
    checkInvariants(trials, 8000);
    expect(trials.every((t) => t.state === "COMPLETE")).toBe(true);
  });

  const noServer = privatePostgresUnavailable();
  it.runIf(!noServer)(`PostgreSQL restarted mid-study: workers reconnect and the study completes${noServer ? ` (skipped: ${noServer})` : ""}`, async () => {
    const server = await startPrivatePostgres();
    try {
      const name = uniqueName("pg-restart");
      const file = writeStudy({ trials: 6, epochs: 4, epochMs: 250, grace: 6 });
      const env = { FAULT_STUDY: name };
      const a = startHpo(["worker", file, "--storage", server.url], { env });
      const b = startHpo(["worker", file, "--storage", server.url], { env });
      await waitForLine(a.child, /EPOCH trial=\d+ epoch=1/);
      server.restart();
      const [ra, rb] = await Promise.all([a.done, b.done]);
      // Said even when no query was in flight: the restart drops every pooled connection,
      // and each client reports its loss (it used to end the process when checked out, and
      // to pass unsaid when idle — the two ways this test failed under load).
      expect(ra.stderr + rb.stderr).toMatch(/lost the connection to PostgreSQL/);
      expect([ra.code, rb.code], ra.stderr + rb.stderr).toEqual([0, 0]);
      checkInvariants(await readStudyTrials(server.url, name), 6);
    } finally {
      server.stop();
    }
  });
});
