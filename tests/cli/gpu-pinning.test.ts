// One GPU per concurrent trial for in-process objectives: `hpo run --gpus` starts one
// worker process per concurrent trial with CUDA_VISIBLE_DEVICES set before the study file
// (and any GPU library) loads. The GPU list is fake (no GPU is needed): what is checked is
// the environment each process sees, at load time and in its trials.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { planGpus } from "../../src/cli/gpu-plan.ts";
import { freshPgliteFolder } from "../support/backends.ts";
import { runHpo } from "../support/run-hpo.ts";

/**
 * A study whose in-process objective records what CUDA_VISIBLE_DEVICES its process had when
 * the file loaded. With \`processes\` > 1, each process's first trial waits (up to 60 s) until
 * that many processes have started one: otherwise, on a loaded machine, the process that
 * starts first can finish all six trials before the other has loaded the file, and a test of
 * "every process gets its GPU" would see one process.
 */
const studyBody = (name: string, extra: string, barrierDir: string, processes: number) => `
import { defineStudy, param } from "hpo";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
const atLoad = process.env.CUDA_VISIBLE_DEVICES ?? "unset";
let waited = false;
async function barrier() {
  if (waited) return;
  waited = true;
  writeFileSync(join(${JSON.stringify(barrierDir)}, String(process.pid)), "");
  const until = Date.now() + 60_000;
  while (readdirSync(${JSON.stringify(barrierDir)}).length < ${processes} && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
}
export default defineStudy({
  name: ${JSON.stringify(name)},
  direction: "minimize",
  space: { x: param.float(0, 1) },
  nTrials: 6,
  ${extra}
  objective: async (trial) => {
    await barrier();
    trial.setUserAttr("at_load", atLoad);
    trial.setUserAttr("in_trial", process.env.CUDA_VISIBLE_DEVICES ?? "unset");
    trial.setUserAttr("pid", process.pid);
    await new Promise((r) => setTimeout(r, 50));
    return trial.params.x as number;
  },
});
`;

interface ListedTrial {
  number: number;
  state: string;
  userAttrs: Record<string, string | number>;
  datetimeStart: string;
  datetimeComplete: string;
}

async function runStudy(name: string, extra: string, args: string[], command = "run", processes = 1) {
  const dir = mkdtempSync(join(tmpdir(), "hpo-gpu-pin-"));
  const file = join(dir, "study.ts");
  const barrierDir = join(dir, "started");
  mkdirSync(barrierDir);
  writeFileSync(file, studyBody(name, extra, barrierDir, processes));
  const storage = freshPgliteFolder();
  const run = await runHpo([command, file, "--storage", storage, ...args]);
  const listed = await runHpo(["trials", name, "--storage", storage, "--json"]);
  const trials = run.code === 0 ? (JSON.parse(listed.stdout) as ListedTrial[]) : [];
  return { run, trials: trials.map((t) => ({ ...t, attrs: t.userAttrs })) };
}

/** Devices by worker pid; each process must have seen exactly one device, the same at load and in every trial. */
function devicesByProcess(trials: { state: string; attrs: Record<string, string | number> }[]): Map<number, Set<string>> {
  const byPid = new Map<number, Set<string>>();
  for (const t of trials) {
    expect(t.state).toBe("COMPLETE");
    expect(t.attrs.at_load).toBe(t.attrs.in_trial);
    expect(t.attrs.gpu).toBe(t.attrs.in_trial);
    const seen = byPid.get(t.attrs.pid as number) ?? new Set<string>();
    seen.add(String(t.attrs.in_trial));
    byPid.set(t.attrs.pid as number, seen);
  }
  for (const seen of byPid.values()) expect(seen.size).toBe(1);
  return byPid;
}

describe("GPU plan", () => {
  it("gives process i GPU i mod the list, and refuses more trials per GPU than --trials-per-gpu", () => {
    expect(planGpus({ gpus: [5, 7], workers: 2 })).toEqual({ processes: 2, devices: ["5", "7"] });
    expect(planGpus({ gpus: [5, 7], concurrency: 1 })).toEqual({ processes: 1, devices: ["5"] });
    expect(planGpus({ gpus: [5, 7] })).toEqual({ processes: 2, devices: ["5", "7"] });
    expect(planGpus({ gpus: [5, 7], trialsPerGpu: 2 })).toEqual({ processes: 4, devices: ["5", "7", "5", "7"] });
    expect(planGpus({ gpus: [5, 7], workers: 3, trialsPerGpu: 2 }).devices).toEqual(["5", "7", "5"]);
    expect(() => planGpus({ gpus: [5, 7], workers: 3 })).toThrow(
      "--workers 3 with --gpus 5,7 would run 2 trials on one GPU at once; pass --trials-per-gpu 2 to allow that, or run at most 2 at once",
    );
    expect(() => planGpus({ gpus: [5], concurrency: 4, trialsPerGpu: 2 })).toThrow(/^concurrency 4 with --gpus 5 would run 4 trials on one GPU/);
  });
});

describe("hpo run --gpus with an in-process objective", { timeout: 240_000 }, () => {
  it("--workers 2: each worker sees exactly its GPU, from before the study file loads", async () => {
    const { run, trials } = await runStudy("gpu-pin-workers", "", ["--gpus", "5,7", "--workers", "2"], "run", 2);
    expect(run.stderr).toMatch(/starting 2 worker process\(es\).*, one trial each, on GPUs 5, 7/);
    expect(run.code).toBe(0);
    expect(trials).toHaveLength(6);
    const byPid = devicesByProcess(trials);
    expect([...byPid.values()].map((s) => [...s][0]).sort()).toEqual(["5", "7"]);
    // One trial per GPU at a time: trials on one device never overlap.
    for (const device of ["5", "7"]) {
      const spans = trials
        .filter((t) => t.attrs.in_trial === device)
        .map((t) => [Date.parse(String(t.datetimeStart)), Date.parse(String(t.datetimeComplete))] as const)
        .sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < spans.length; i++) expect(spans[i][0]).toBeGreaterThanOrEqual(spans[i - 1][1]);
    }
  });

  it("a study's concurrency 2 becomes two pinned processes; --trials-per-gpu 2 lets two share one GPU", async () => {
    const concurrent = await runStudy("gpu-pin-concurrency", "concurrency: 2,", ["--gpus", "3,4"], "run", 2);
    expect(concurrent.run.code).toBe(0);
    expect([...devicesByProcess(concurrent.trials).values()].map((s) => [...s][0]).sort()).toEqual(["3", "4"]);

    const shared = await runStudy("gpu-pin-shared", "", ["--gpus", "6", "--workers", "2", "--trials-per-gpu", "2"], "run", 2);
    expect(shared.run.code).toBe(0);
    const byPid = devicesByProcess(shared.trials);
    expect(byPid.size).toBe(2);
    expect([...byPid.values()].map((s) => [...s][0])).toEqual(["6", "6"]);
  });

  it("one process (hpo run --workers 1, hpo worker --gpus 3): pinned before loading; too many workers is one line", async () => {
    const single = await runStudy("gpu-pin-single", "", ["--gpus", "2,3", "--workers", "1"]);
    expect(single.run.code).toBe(0);
    const byPid = devicesByProcess(single.trials);
    expect([...byPid.keys()]).toHaveLength(1);
    expect([...byPid.values()][0]).toEqual(new Set(["2"]));

    const worker = await runStudy("gpu-pin-worker", "", ["--gpus", "3"], "worker");
    expect(worker.run.code).toBe(0);
    expect([...devicesByProcess(worker.trials).values()]).toEqual([new Set(["3"])]);

    const refused = await runStudy("gpu-pin-refused", "", ["--gpus", "2,3", "--workers", "3"]);
    expect(refused.run.code).toBe(2);
    expect(refused.run.stderr).toBe("hpo: --workers 3 with --gpus 2,3 would run 2 trials on one GPU at once; pass --trials-per-gpu 2 to allow that, or run at most 2 at once\n");
  });
});
