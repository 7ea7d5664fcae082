import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { freshPgliteFolder } from "../support/backends.ts";
import { runHpo, startHpo } from "../support/run-hpo.ts";

const study = fileURLToPath(new URL("../server/fixtures/slow-study.ts", import.meta.url));
const folders: string[] = [];
afterAll(() => {
  for (const f of folders) rmSync(join(f, ".."), { recursive: true, force: true });
});

describe("reading a study while hpo run holds its embedded folder", { timeout: 240_000 }, () => {
  it("hpo trials, studies and export read through the running process; the run is undisturbed", async () => {
    const folder = freshPgliteFolder();
    folders.push(folder);
    const run = startHpo(["run", study, "--storage", folder, "--quiet"]);
    // Reading before the run holds the folder would take it from the run.
    while (!existsSync(join(folder, "hpo.sock"))) {
      if (run.child.exitCode !== null) throw new Error((await run.done).stderr);
      await new Promise((r) => setTimeout(r, 50));
    }
    let complete = 0;
    let reads = 0;
    // Reads while the run goes on (it holds the folder from start to end).
    while (run.child.exitCode === null && complete === 0) {
      const r = await runHpo(["trials", "served-run", "--storage", folder, "--json"]);
      if (run.child.exitCode !== null) break;
      if (r.code === 0) {
        reads++;
        complete = (JSON.parse(r.stdout) as { state: string }[]).filter((t) => t.state === "COMPLETE").length;
      } else {
        // Before the run has created the study.
        expect(r.stderr).toMatch(/no study named|no hpo storage/i);
      }
    }
    expect(reads, "no read succeeded while the run held the folder").toBeGreaterThan(0);
    expect(complete).toBeGreaterThan(0);
    const studies = await runHpo(["studies", "--storage", folder, "--json"]);
    const exported = await runHpo(["export", "served-run", "--storage", folder, "--format", "json"]);
    const stillRunning = run.child.exitCode === null;
    const result = await run.done;
    expect(result.code, result.stderr).toBe(0);
    if (stillRunning) {
      expect(studies.code, studies.stderr).toBe(0);
      expect(exported.code, exported.stderr).toBe(0);
      expect((JSON.parse(exported.stdout) as { trials: unknown[] }).trials.length).toBeGreaterThan(0);
    }
    // Afterwards the folder is free: the run wrote all 6 trials, and no socket is left behind.
    expect(existsSync(join(folder, "hpo.sock"))).toBe(false);
    const after = await runHpo(["trials", "served-run", "--storage", folder, "--json"]);
    expect((JSON.parse(after.stdout) as { state: string }[]).map((t) => t.state)).toEqual(Array(6).fill("COMPLETE"));
  });
});
