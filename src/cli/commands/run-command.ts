import { resolve } from "node:path";
import { loadStudyFile } from "../../study-file/load-study-file.ts";
import { awaitLabelled } from "../awaited-work.ts";
import { CliError } from "../cli-error.ts";
import { intFlag, parseFlags } from "../parse-flags.ts";

/** Worker processes `hpo run` starts at most (each is a Node process of its own). */
const MAX_WORKERS = 1024;
import { parseRunFlags, RUN_FLAGS } from "../run-options.ts";
import { runStudyInProcess } from "../study-runner.ts";
import { runWithWorkers } from "../worker-pool.ts";
import { pinProcessToGpu, planGpus } from "../gpu-plan.ts";
import { RUN_SERVE_FLAGS, startRunServer } from "./serve-command.ts";
import { logLine } from "../stderr-log.ts";

const USAGE =
  "hpo run <study.ts> [--storage URL] [--n-trials N] [--workers N] [--concurrency N] [--timeout SECONDS] [--gpus 0,1,... [--trials-per-gpu N]] [--tracker SPEC]... [--no-catch] [--quiet] [--serve [--port 8787] [--host H] [--token T]]";

/** `hpo run`: creates or continues the study a file defines and runs it to its budget. */
export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { ...RUN_FLAGS, ...RUN_SERVE_FLAGS, workers: { type: "string" }, "trials-per-gpu": { type: "string" } }, USAGE);
  if (positionals.length !== 1) throw new CliError(`expected one study file\nusage: ${USAGE}`);
  const flags = parseRunFlags(values);
  const workersFlag = intFlag("workers", values.workers, 1, MAX_WORKERS);
  const trialsPerGpu = intFlag("trials-per-gpu", values["trials-per-gpu"], 1, MAX_WORKERS);
  if (trialsPerGpu !== undefined && !flags.gpus) throw new CliError("--trials-per-gpu needs --gpus");
  // A study file may load a GPU library at its top level: a process that runs trials itself
  // is pinned before the file loads (worker processes get their own device when they start).
  if (flags.gpus) pinProcessToGpu(String(flags.gpus[0]));
  // Validate everything before touching storage: bad input writes nothing.
  const file = resolve(positionals[0]);
  const def = await awaitLabelled(`the study file ${file} (its top-level code)`, loadStudyFile(file));
  const log = logLine;
  // With GPUs, each concurrent trial is a process of its own, pinned to its GPU.
  const gpuPlan = flags.gpus
    ? planGpus({ gpus: flags.gpus, trialsPerGpu, workers: workersFlag ?? def.workers, concurrency: flags.concurrency ?? def.concurrency })
    : undefined;
  const workers = gpuPlan?.processes ?? workersFlag ?? def.workers ?? 1;
  // --serve: the dashboard and live feed on the run's own storage (shared in this process).
  const server = await startRunServer(values, flags.storage ?? process.env.HPO_STORAGE ?? def.storage, log);
  try {
    if (workers > 1) return await runWithWorkers(file, def, flags, workers, log, gpuPlan);
    // Pinned to one GPU, this process runs one trial at a time (the plan allowed one).
    return await runStudyInProcess(def, gpuPlan ? { ...flags, concurrency: 1 } : flags, "runner", log, file);
  } finally {
    await server?.close();
  }
}
