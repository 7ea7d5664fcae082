/**
 * How `hpo run` loads study files: TypeScript through tsx's scoped loader (the study file and
 * what it imports, nothing registered for the rest of the process), JavaScript natively —
 * from any folder, importing "hpo" by name.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runHpo } from "../support/run-hpo.ts";

function scratch(): string {
  return mkdtempSync(join(tmpdir(), "hpo-load-"));
}

describe("study files", { timeout: 240_000 }, () => {
  it("a .mjs study loads without tsx: TypeScript is not compiled for the rest of the process", async () => {
    const dir = scratch();
    writeFileSync(join(dir, "helper.ts"), "export const typed: number = 1;\n");
    writeFileSync(
      join(dir, "study.mjs"),
      `import { defineStudy, RandomSampler } from "hpo";
let tsLoads;
try { await import("./helper.ts"); tsLoads = "yes"; } catch (e) { tsLoads = e.code ?? e.message; }
export default defineStudy({
  name: "mjs-study", direction: "minimize", sampler: new RandomSampler({ seed: 1 }), nTrials: 2,
  objective: (trial) => { trial.setUserAttr("tsLoads", tsLoads); return trial.suggestFloat("x", 0, 1); },
});
`,
    );
    const run = await runHpo(["run", join(dir, "study.mjs"), "--storage", join(dir, "db")]);
    expect(run.code, run.stderr).toBe(0);
    const trials = await runHpo(["trials", "mjs-study", "--storage", join(dir, "db"), "--json"]);
    expect(trials.code, trials.stderr).toBe(0);
    const rows = JSON.parse(trials.stdout) as { state: string; userAttrs: Record<string, unknown> }[];
    expect(rows.map((r) => r.state)).toEqual(["COMPLETE", "COMPLETE"]);
    expect(rows[0]!.userAttrs.tsLoads).toBe("ERR_UNKNOWN_FILE_EXTENSION");
  });

  it("a .ts study in a folder with no package.json imports hpo by name, a sibling .ts file, and awaits at top level", async () => {
    const dir = scratch();
    writeFileSync(join(dir, "space.ts"), 'export const HIGH: number = 3;\nexport type Kind = "a" | "b";\n');
    writeFileSync(
      join(dir, "study.ts"),
      `import { defineStudy, RandomSampler, type Trial } from "hpo";
import { HIGH, type Kind } from "./space.ts";
const offset: number = await Promise.resolve(1);
export default defineStudy({
  name: "ts-study", direction: "minimize", sampler: new RandomSampler({ seed: 2 }), nTrials: 3,
  objective: (trial: Trial) => {
    const kind = trial.suggestCategorical("kind", ["a", "b"]) as Kind;
    return trial.suggestFloat("x", 0, HIGH) + offset + (kind === "b" ? 1 : 0);
  },
});
`,
    );
    const run = await runHpo(["run", join(dir, "study.ts"), "--storage", join(dir, "db")]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/3 trial\(s\): 3 complete/);
  });
});
