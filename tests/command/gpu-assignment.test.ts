import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createStudy, type FrozenTrial } from "hpo";
import { command, type CommandObjective } from "hpo/command";
import { script, writeChildPrograms, type ChildPrograms } from "./child-programs.ts";

// The devices are fake ids: the pool hands them out and the program sees them in
// CUDA_VISIBLE_DEVICES; no GPU is needed to check that two trials never share one.

let programs: ChildPrograms;
let logDir: string;
const savedEnv = { HPO_GPUS: process.env.HPO_GPUS, CUDA_VISIBLE_DEVICES: process.env.CUDA_VISIBLE_DEVICES };
beforeAll(() => {
  programs = writeChildPrograms();
  logDir = mkdtempSync(join(tmpdir(), "hpo-command-gpu-"));
});
afterEach(() => {
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});
afterAll(() => {
  programs.cleanup();
  rmSync(logDir, { recursive: true, force: true });
});

interface Run {
  readonly trialNumber: number;
  readonly device: string | undefined;
  readonly gpuAttr: unknown;
  readonly start: number;
  readonly end: number;
}

async function runTrials(objective: CommandObjective, nTrials: number, concurrency: number): Promise<Run[]> {
  const study = await createStudy({ storage: "memory" });
  await study.optimize(objective, { nTrials, concurrency });
  const trials: FrozenTrial[] = await study.trials();
  return trials.map((trial) => {
    expect(trial.state).toBe("COMPLETE");
    const dir = dirname(trial.userAttrs.log_path as string);
    const seen = JSON.parse(readFileSync(join(dir, "seen.json"), "utf8")) as { env: Record<string, string>; startedAt: number };
    return {
      trialNumber: trial.number,
      device: seen.env.CUDA_VISIBLE_DEVICES,
      gpuAttr: trial.userAttrs.gpu,
      start: seen.startedAt,
      end: Number(readFileSync(join(dir, "ended"), "utf8")),
    };
  });
}

/** Pairs of runs that held one device at overlapping times. */
function sharedDevice(runs: readonly Run[]): [number, number][] {
  const clashes: [number, number][] = [];
  for (const a of runs) {
    for (const b of runs) {
      if (a.trialNumber < b.trialNumber && a.device === b.device && a.start < b.end && b.start < a.end) {
        clashes.push([a.trialNumber, b.trialNumber]);
      }
    }
  }
  return clashes;
}

/** The most runs alive at one moment. */
function peakConcurrency(runs: readonly Run[]): number {
  return Math.max(...runs.map((r) => runs.filter((o) => o.start <= r.start && r.start < o.end).length));
}

describe("GPU slots", () => {
  it("gives each concurrent trial its own GPU; extra trials wait for a free one", async () => {
    const objective = command({ cmd: programs.scriptedTrainer, logDir, gpus: [0, 1], env: script({ sleep: 150 }, { result: 1 }) });
    const runs = await runTrials(objective, 6, 4);
    expect(new Set(runs.map((r) => r.device))).toEqual(new Set(["0", "1"]));
    for (const run of runs) expect(run.gpuAttr).toBe(run.device);
    expect(sharedDevice(runs)).toEqual([]);
    expect(peakConcurrency(runs)).toBeLessThanOrEqual(2); // 4 workers, 2 GPUs
  });

  it("takes the device list from HPO_GPUS (hpo run --gpus) when gpus is not given", async () => {
    process.env.HPO_GPUS = "GPU-aaaa,3";
    const objective = command({ cmd: programs.scriptedTrainer, logDir, env: script({ sleep: 100 }, { result: 1 }) });
    const runs = await runTrials(objective, 4, 3);
    expect(new Set(runs.map((r) => r.device))).toEqual(new Set(["GPU-aaaa", "3"]));
    expect(sharedDevice(runs)).toEqual([]);
  });

  it("leaves CUDA_VISIBLE_DEVICES as inherited when no GPUs are given", async () => {
    delete process.env.HPO_GPUS;
    process.env.CUDA_VISIBLE_DEVICES = "7";
    const objective = command({ cmd: programs.scriptedTrainer, logDir, env: script({ result: 1 }) });
    const runs = await runTrials(objective, 2, 2);
    expect(runs.map((r) => [r.device, r.gpuAttr])).toEqual([
      ["7", undefined],
      ["7", undefined],
    ]);
  });
});
