import type { ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { readStudyTrials, uniqueName } from "../support/backends.ts";
import { privatePostgresUnavailable, startPrivatePostgres, type PrivatePostgres } from "../support/private-postgres.ts";
import { startHpo, type HpoResult } from "../support/run-hpo.ts";

// Crashes need a PostgreSQL server of the test's own (initdb in a temporary folder, a free
// port): the shared server is never killed.
const noServer = privatePostgresUnavailable();
const WORKERS = 3;
const TRIALS = 45;

/**
 * A study whose trials report a few steps and set an attr; a tracker prints every trial the
 * worker was told is finished (stored durably), so the test can check none was lost.
 */
function writeStudy(name: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "hpo-crash-")), "study.ts");
  writeFileSync(
    file,
    `import { defineStudy } from "hpo";
export default defineStudy({
  name: ${JSON.stringify(name)},
  nTrials: ${TRIALS},
  heartbeatInterval: 0.3,
  gracePeriod: 8,
  trackers: [{
    name: "finished-log",
    onTrialFinish: ({ trial }) => console.error("FINISHED " + JSON.stringify({ number: trial.number, state: trial.state, value: trial.value, params: trial.params, steps: trial.intermediateValues.size, attrs: trial.userAttrs })),
  }],
  objective: async (trial) => {
    const x = trial.suggestFloat("x", 0, 1);
    for (let step = 0; step < 6; step++) {
      await new Promise((r) => setTimeout(r, 25));
      trial.report(x + step, step);
    }
    trial.setUserAttr("epochs", 6);
    return x;
  },
});
`,
  );
  return file;
}

interface Finished {
  number: number;
  state: string;
  value: number | null;
  params: Record<string, unknown>;
  steps: number;
  attrs: Record<string, unknown>;
}

/** Counts FINISHED lines of a worker as they arrive. */
function watchFinished(children: readonly ChildProcess[]): { count: () => number; reached: (n: number) => Promise<void> } {
  let count = 0;
  for (const child of children) {
    let buffer = "";
    child.stderr!.on("data", (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop()!;
      count += lines.filter((l) => l.startsWith("FINISHED ")).length;
    });
  }
  return {
    count: () => count,
    reached: async (n) => {
      while (count < n) await sleep(20);
    },
  };
}

function finishedLines(results: readonly HpoResult[]): Finished[] {
  return results.flatMap((r) =>
    r.stderr
      .split("\n")
      .filter((l) => l.startsWith("FINISHED "))
      .map((l) => JSON.parse(l.slice("FINISHED ".length)) as Finished),
  );
}

/** Every worker survived, the study completed, and each trial a worker finished is stored whole. */
async function checkSurvived(server: PrivatePostgres, name: string, results: readonly HpoResult[]): Promise<void> {
  const diagnostics = results.map((r) => r.stderr.split("\n").filter((l) => !l.startsWith("FINISHED ")).join("\n")).join("\n---\n");
  expect(results.map((r) => r.code), diagnostics).toEqual(Array(WORKERS).fill(0));
  const trials = await readStudyTrials(server.url, name);
  expect(trials.map((t) => t.number)).toEqual(trials.map((_, i) => i)); // dense, no duplicates
  expect(trials.every((t) => ["COMPLETE", "FAIL"].includes(t.state))).toBe(true);
  const retried = new Set(trials.map((t) => t.systemAttrs.retry_of).filter((n): n is number => typeof n === "number"));
  expect(trials.filter((t) => !(t.state === "FAIL" && retried.has(t.number)))).toHaveLength(TRIALS);
  const finished = finishedLines(results);
  expect(finished.length).toBeGreaterThanOrEqual(TRIALS);
  for (const f of finished) {
    const t = trials[f.number];
    expect({ number: t.number, state: t.state, value: t.value, params: t.params, steps: t.intermediateValues.size, attrs: t.userAttrs }, `trial ${f.number}`).toEqual(f);
  }
}

describe.runIf(!noServer)(`PostgreSQL crashes mid-study${noServer ? ` (skipped: ${noServer})` : ""}`, { timeout: 300_000 }, () => {
  it(`kill -9 of the postmaster: ${WORKERS} workers survive, the study completes, no finished trial is lost`, async () => {
    const server = await startPrivatePostgres();
    try {
      const name = uniqueName("pg-crash");
      const file = writeStudy(name);
      const workers = Array.from({ length: WORKERS }, () => startHpo(["worker", file, "--storage", server.url, "--quiet"]));
      const finished = watchFinished(workers.map((w) => w.child));
      await finished.reached(8);
      await server.crash();
      await finished.reached(finished.count() + 6);
      await server.crash({ downMs: 1500 });
      const results = await Promise.all(workers.map((w) => w.done));
      expect(results.map((r) => r.stderr).join("")).toMatch(/lost the connection to PostgreSQL/);
      await checkSurvived(server, name, results);
    } finally {
      server.stop();
    }
  });

  it(`pg_terminate_backend of every hpo connection, 5 times: ${WORKERS} workers survive, no finished trial is lost`, async () => {
    const server = await startPrivatePostgres();
    try {
      const name = uniqueName("pg-terminate");
      const file = writeStudy(name);
      const workers = Array.from({ length: WORKERS }, () => startHpo(["worker", file, "--storage", server.url, "--quiet"]));
      const finished = watchFinished(workers.map((w) => w.child));
      const admin = new pg.Client({ connectionString: server.url });
      await admin.connect();
      let terminated = 0;
      try {
        for (let i = 0; i < 5; i++) {
          await finished.reached(4 + i * 6);
          const r = await admin.query<{ ok: boolean }>(
            "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'",
          );
          terminated += r.rows.length;
        }
      } finally {
        await admin.end();
      }
      const results = await Promise.all(workers.map((w) => w.done));
      expect(terminated).toBeGreaterThan(0);
      await checkSurvived(server, name, results);
    } finally {
      server.stop();
    }
  });
});
