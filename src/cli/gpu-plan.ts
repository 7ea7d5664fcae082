import type { Objective } from "../study/objective.ts";
import { CliError } from "./cli-error.ts";

/**
 * The variable a process pinned to one GPU carries (besides CUDA_VISIBLE_DEVICES), so the
 * trials it runs can record their device even when the objective changes CUDA_VISIBLE_DEVICES.
 */
export const PINNED_GPU_ENV = "HPO_PINNED_GPU";

/** How `hpo run --gpus` spreads trials over GPUs: one process per concurrent trial, each pinned. */
export interface GpuPlan {
  /** Processes that run trials, one trial at a time each. */
  readonly processes: number;
  /** The device of process i (`devices[i]`), as CUDA_VISIBLE_DEVICES takes it. */
  readonly devices: readonly string[];
}

/** What decides the plan: the flags and the study file's own settings. */
export interface GpuPlanInput {
  readonly gpus: readonly number[];
  /** --trials-per-gpu (default 1). */
  readonly trialsPerGpu?: number;
  /** --workers, or the study file's `workers`. */
  readonly workers?: number;
  /** --concurrency, or the study file's `concurrency`. */
  readonly concurrency?: number;
}

/**
 * One process per concurrent trial (`--workers`, else `concurrency`, else one per GPU slot),
 * process i on GPU i mod the list, so trials spread over the GPUs before any GPU takes a
 * second. Refuses plans that would put more trials on a GPU than --trials-per-gpu allows.
 *
 * @example
 * planGpus({ gpus: [0, 1], workers: 2 }) // { processes: 2, devices: ["0", "1"] }
 */
export function planGpus(input: GpuPlanInput): GpuPlan {
  const perGpu = input.trialsPerGpu ?? 1;
  const slots = input.gpus.length * perGpu;
  const processes = input.workers ?? input.concurrency ?? slots;
  if (processes > slots) {
    const source = input.workers !== undefined ? `--workers ${processes}` : `concurrency ${processes}`;
    throw new CliError(
      `${source} with --gpus ${input.gpus.join(",")} would run ${Math.ceil(processes / input.gpus.length)} trials on one GPU at once; ` +
        `pass --trials-per-gpu ${Math.ceil(processes / input.gpus.length)} to allow that, or run at most ${slots} at once`,
    );
  }
  return { processes, devices: Array.from({ length: processes }, (_, i) => String(input.gpus[i % input.gpus.length])) };
}

/**
 * Pins this process to one GPU, before any GPU library loads: CUDA_VISIBLE_DEVICES (what
 * CUDA, PyTorch and tfjs-node-gpu read at start-up), HPO_GPUS (what command objectives share
 * out) and HPO_PINNED_GPU (what trials record).
 */
export function pinProcessToGpu(device: string, env: NodeJS.ProcessEnv = process.env): void {
  env.CUDA_VISIBLE_DEVICES = device;
  env.HPO_GPUS = device;
  env[PINNED_GPU_ENV] = device;
}

/** The objective, recording the device of a pinned process on each trial (user attr `gpu`). */
export function recordPinnedGpu(objective: Objective, env: NodeJS.ProcessEnv = process.env): Objective {
  const device = env[PINNED_GPU_ENV];
  if (device === undefined) return objective;
  return (trial) => {
    trial.setUserAttr("gpu", device);
    return objective(trial);
  };
}
