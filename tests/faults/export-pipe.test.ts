import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStorage } from "hpo";
import { freshPgliteFolder } from "../support/backends.ts";
import { HPO_BIN } from "../support/run-hpo.ts";

// Issue 17, defect 5: through a pipe whose reader is slower than hpo, `hpo export --format
// json` and `hpo trials --json` stopped at a multiple of 64 KiB (the pipe's buffer) and still
// exited 0: the process exited before its stdout drained.

const TRIALS = 60;

describe("JSON output larger than a pipe's buffer, read slowly", { timeout: 120_000 }, () => {
  let folder: string;
  let out: string;

  beforeAll(async () => {
    folder = freshPgliteFolder();
    out = mkdtempSync(join(tmpdir(), "hpo-pipe-"));
    const storage = await openStorage(folder);
    const s = await storage.createStudy("piped", ["minimize"]);
    for (let i = 0; i < TRIALS; i++) {
      const t = await storage.createTrial(s.studyId, { state: "RUNNING" });
      await storage.updateTrial(t.trialId, { userAttrs: { notes: `${i}:${"n".repeat(5000)}` }, finish: { state: "COMPLETE", values: [i] } });
    }
    await storage.close();
  });
  afterAll(() => {
    rmSync(join(folder, ".."), { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  });

  for (const [label, args] of [
    ["hpo export --format json", ["export", "piped", "--format", "json"]],
    ["hpo trials --json", ["trials", "piped", "--json"]],
  ] as const) {
    it(`${label} arrives whole`, () => {
      const file = join(out, `${args[0]}.json`);
      // A real pipe to a reader that starts a second late, as `hpo … | (sleep 1; cat > file)`.
      const quoted = [process.execPath, HPO_BIN, ...args, "--storage", folder].map((a) => `'${a}'`).join(" ");
      const run = spawnSync("bash", ["-c", `set -o pipefail; ${quoted} | (sleep 1; cat > '${file}')`], { encoding: "utf8" });
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      const bytes = readFileSync(file).length;
      console.log(`${label}: ${bytes} bytes through the pipe`);
      expect(bytes).toBeGreaterThan(4 * 65536);
      const parsed = JSON.parse(readFileSync(file, "utf8")) as { trials?: unknown[] } | unknown[];
      expect((Array.isArray(parsed) ? parsed : parsed.trials!).length).toBe(TRIALS);
    });
  }
});
