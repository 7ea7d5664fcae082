import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStorage } from "hpo";
import { freshPgliteFolder } from "../support/backends.ts";
import { runHpo, startHpo } from "../support/run-hpo.ts";

/** A folder outside the repository, with no package.json: study files must work there. */
function scratch(): string {
  return mkdtempSync(join(tmpdir(), "hpo-cli-"));
}

function studyFile(dir: string, body: string, name = "study.ts"): string {
  const file = join(dir, name);
  writeFileSync(file, body);
  return file;
}

const QUICK = `
import { defineStudy, RandomSampler, param } from "hpo";
const delay: number = await Promise.resolve(0); // top-level await works in a study file
export default defineStudy({
  name: "cli-quick",
  direction: "minimize",
  sampler: new RandomSampler({ seed: 3 }),
  space: { x: param.float(-5, 5), kind: param.categorical(["a", "b"]) },
  nTrials: 4,
  objective: async (trial) => {
    const y = trial.suggestInt("y", 0, 3);
    trial.report(1, 0);
    if (trial.number === 2) throw new Error("trial two breaks");
    await new Promise((r) => setTimeout(r, delay));
    return (trial.params.x as number) ** 2 + y;
  },
});
`;

// Each case starts real hpo processes (tsx + PGlite start-up): generous timeouts for loaded machines.
describe("hpo CLI", { timeout: 240_000 }, () => {
  it("runs a study file from anywhere, catches failures, and continues it on the next run", async () => {
    const dir = scratch();
    const file = studyFile(dir, QUICK);
    const storage = freshPgliteFolder();
    const first = await runHpo(["run", file, "--storage", storage]);
    expect(first.stderr).toMatch(/0 trial\(s\) already finished, budget 4/);
    expect(first.stderr).toMatch(/recorded as FAIL and the study goes on/);
    expect(first.stderr).toMatch(/\[hpo\] 1\/4 trial 0 COMPLETE value=/);
    expect(first.stderr).toMatch(/trial 2 FAIL value=- reason="Error: trial two breaks"/);
    expect(first.stderr).toMatch(/hpo: best trial \d: value/);
    expect(first.code).toBe(0);

    const more = await runHpo(["run", file, "--storage", storage, "--n-trials", "6"]);
    expect(more.stderr).toMatch(/4 trial\(s\) already finished, budget 6/);
    expect(more.code).toBe(0);

    const json = await runHpo(["trials", "cli-quick", "--storage", storage, "--json"]);
    const trials = JSON.parse(json.stdout) as { number: number; state: string; params: Record<string, unknown> }[];
    expect(trials.map((t) => t.number)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(trials.map((t) => t.state)).toEqual(["COMPLETE", "COMPLETE", "FAIL", "COMPLETE", "COMPLETE", "COMPLETE"]);
    expect(Object.keys(trials[0].params)).toEqual(["x", "kind", "y"]);
    // The continued run draws a stream of its own: the seeded sampler does not replay trials 0 and 1.
    expect(new Set(trials.map((t) => t.params.x)).size).toBe(6);

    const csv = await runHpo(["export", "cli-quick", "--storage", storage, "--format", "csv"]);
    expect(csv.stdout.split("\n")[0]).toBe("number,state,value,datetime_start,datetime_complete,duration_seconds,params_x,params_kind,params_y,fail_reason");
    expect(csv.stdout.trim().split("\n")).toHaveLength(7);
    const studies = await runHpo(["studies", "--storage", storage]);
    expect(studies.stdout).toMatch(/cli-quick\s+minimize\s+6\s+5\s+0\s+1/);
    const del = await runHpo(["delete", "cli-quick", "--storage", storage]);
    expect(del.code).toBe(0);
    expect((await runHpo(["trials", "cli-quick", "--storage", storage])).stderr).toMatch(/no study named "cli-quick"/);
  });

  it("runs a study file with named metrics; trials --json and export (JSON, CSV --steps) carry every metric of every step", async () => {
    const dir = scratch();
    const file = studyFile(
      dir,
      `
import { defineStudy, MedianPruner, RandomSampler, param } from "hpo";
export default defineStudy({
  name: "cli-metrics",
  direction: "maximize",
  metric: "meteor",
  sampler: new RandomSampler({ seed: 1 }),
  pruner: new MedianPruner({ nStartupTrials: 1 }),
  space: { x: param.float(0, 1) },
  nTrials: 3,
  objective: (trial) => {
    const x = trial.params.x as number;
    for (let epoch = 0; epoch < 3; epoch++) trial.report({ val_loss: 2 - x - epoch / 10, meteor: x / 2 + epoch / 10, bleu1: epoch === 1 ? NaN : x }, epoch);
    return { meteor: x / 2 + 0.2, bleu1: x };
  },
});
`,
    );
    const storage = freshPgliteFolder();
    const run = await runHpo(["run", file, "--storage", storage]);
    expect(run.code).toBe(0);
    const json = JSON.parse((await runHpo(["trials", "cli-metrics", "--storage", storage, "--json"])).stdout) as { params: { x: number }; value: number; metrics: Record<string, Record<string, number | string>> }[];
    expect(json).toHaveLength(3);
    for (const t of json) {
      const x = t.params.x;
      expect(t.metrics).toEqual({
        "0": { val_loss: 2 - x, meteor: x / 2, bleu1: x },
        "1": { val_loss: 2 - x - 0.1, meteor: x / 2 + 0.1, bleu1: "NaN" },
        "2": { val_loss: 2 - x - 0.2, meteor: x / 2 + 0.2, bleu1: x },
      });
    }
    const exported = JSON.parse((await runHpo(["export", "cli-metrics", "--storage", storage, "--format", "json"])).stdout) as { study: { metric: unknown }; trials: { metrics: unknown }[] };
    expect(exported.study.metric).toEqual({ name: "meteor" });
    expect(exported.trials.map((t) => t.metrics)).toEqual(json.map((t) => t.metrics));
    const steps = (await runHpo(["export", "cli-metrics", "--storage", storage, "--format", "csv", "--steps"])).stdout.trim().split("\n");
    expect(steps[0]).toBe("number,state,step,val_loss,meteor,bleu1");
    expect(steps).toHaveLength(1 + 3 * 3);
    expect(steps[2]).toBe(`0,COMPLETE,1,${2 - json[0].params.x - 0.1},${json[0].params.x / 2 + 0.1},NaN`);
    expect((await runHpo(["export", "cli-metrics", "--storage", storage, "--format", "json", "--steps"])).stderr).toMatch(/--steps writes CSV/);
  });

  it("gives every worker process of --workers its own sampler stream (one seeded study file, no repeated trials)", async () => {
    const dir = scratch();
    const file = studyFile(dir, QUICK.replace('name: "cli-quick"', 'name: "cli-workers"').replace("if (trial.number === 2) throw new Error(\"trial two breaks\");", ""));
    const storage = freshPgliteFolder();
    const run = await runHpo(["run", file, "--storage", storage, "--workers", "2", "--n-trials", "8"]);
    expect(run.code).toBe(0);
    const json = await runHpo(["trials", "cli-workers", "--storage", storage, "--json"]);
    const trials = JSON.parse(json.stdout) as { state: string; params: Record<string, unknown> }[];
    expect(trials).toHaveLength(8);
    expect(new Set(trials.map((t) => t.params.x)).size).toBe(8);
  });

  it.each([
    ["a missing name", `import { defineStudy } from "hpo";\nexport default defineStudy({ direction: "minimize", objective: () => 1 } as never);`, /name: expected a non-empty string/],
    ["a bad direction", `import { defineStudy } from "hpo";\nexport default defineStudy({ name: "s", direction: "up" as never, objective: () => 1 });`, /direction: expected "minimize" or "maximize"/],
    ["an invalid distribution", `export default { name: "s", space: { lr: { type: "float", low: 0, high: 1, log: true } }, objective: () => 1 };`, /space\.lr: log=true needs low > 0/],
    ["a misspelt field", `export default { name: "s", nTrails: 3, objective: () => 1 };`, /Unrecognized key: "nTrails"/],
    ["a non-integer budget", `export default { name: "s", nTrials: 2.5, objective: () => 1 };`, /nTrials: expected an integer/],
    ["no default export", `export const study = 1;`, /no default export/],
    ["a syntax error", `export default {{;`, /could not load study file/],
  ])("rejects a study file with %s: clear message, exit 1, nothing written", async (_label, body, message) => {
    const dir = scratch();
    const file = studyFile(dir, body);
    const storage = join(dir, "never-created");
    const r = await runHpo(["run", file, "--storage", storage]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(storage)).toBe(false);
  });

  it("reports unknown studies, bad storage URLs, unreachable databases and usage errors", async () => {
    const dir = scratch();
    const missing = await runHpo(["trials", "nope", "--storage", join(dir, "none")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no hpo storage at .*none/);
    expect(existsSync(join(dir, "none"))).toBe(false);
    const badUrl = await runHpo(["studies", "--storage", "mysql://localhost/db"]);
    expect(badUrl.code).toBe(1);
    expect(badUrl.stderr).toMatch(/unsupported storage "mysql:\/\/localhost\/db"/);
    const down = await runHpo(["studies", "--storage", "postgres://127.0.0.1:1/nothing"]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/cannot connect to PostgreSQL at postgres:\/\/127\.0\.0\.1:1\/nothing/);
    const usage = await runHpo(["run"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/usage: hpo run/);
    const flag = await runHpo(["run", "x.ts", "--n-trials", "many"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/--n-trials expects an integer/);
    expect((await runHpo(["frobnicate"])).code).toBe(2);
  });

  it("on SIGINT marks running trials FAIL (interrupted), keeps the rest, and exits 130", async () => {
    const dir = scratch();
    const file = studyFile(
      dir,
      `import { defineStudy } from "hpo";
export default defineStudy({
  name: "sigint", nTrials: 10,
  objective: async (trial) => {
    const x = trial.suggestFloat("x", 0, 1);
    if (trial.number >= 2) { console.error("READY"); await new Promise((r) => setTimeout(r, 60_000)); }
    return x;
  },
});`,
    );
    const storage = freshPgliteFolder();
    const { child, done } = startHpo(["run", file, "--storage", storage]);
    await new Promise<void>((resolve) => {
      child.stderr!.on("data", (d: Buffer) => {
        if (d.toString().includes("READY")) resolve();
      });
    });
    child.kill("SIGINT");
    const r = await done;
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/interrupted/);
    const s = await openStorage(storage);
    const study = (await s.findStudy("sigint"))!;
    const { trials } = await s.getTrials(study.studyId);
    expect(trials.map((t) => t.state)).toEqual(["COMPLETE", "COMPLETE", "FAIL"]);
    expect(trials[2].systemAttrs.fail_reason).toBe("interrupted");
    await s.close();
  });

  it("reads a PGlite folder that another process has open through that process, and refuses to write it, naming it", async () => {
    const folder = freshPgliteFolder();
    const holder = await openStorage(folder);
    try {
      await holder.createStudy("held", ["minimize"]);
      const r = await runHpo(["studies", "--storage", folder, "--json"]);
      expect(r.code, r.stderr).toBe(0);
      expect((JSON.parse(r.stdout) as { studyName: string }[]).map((s) => s.studyName)).toEqual(["held"]);
      const d = await runHpo(["delete", "held", "--storage", folder]);
      expect(d.code).toBe(1);
      expect(d.stderr).toMatch(new RegExp(`is in use by process ${process.pid} on \\S+, through which it can only be read`));
      expect(await holder.findStudy("held")).not.toBeNull();
    } finally {
      await holder.close();
    }
    expect((await runHpo(["studies", "--storage", folder])).code).toBe(0);
  });
});
