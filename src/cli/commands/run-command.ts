import { resolve } from "node:path";
import { CliError } from "../cli-error.ts";
import { intFlag, parseFlags } from "../parse-flags.ts";
import { parseRunFlags, RUN_FLAG_DOCS, RUN_FLAGS } from "../run-options.ts";
import { RUN_SERVE_FLAG_DOCS, RUN_SERVE_FLAGS } from "./serve-flags.ts";
import { logLine } from "../stderr-log.ts";
import type { CommandDoc } from "../command-doc.ts";
import { pinProcessToGpu, planGpus } from "../gpu-plan.ts";

/** Worker processes `hpo run` starts at most (each is a Node process of its own). */
const MAX_WORKERS = 1024;

/** Every flag `hpo run` takes (`hpo resume` takes them all too). */
export const RUN_COMMAND_FLAGS = { ...RUN_FLAGS, ...RUN_SERVE_FLAGS, workers: { type: "string" }, "trials-per-gpu": { type: "string" } } as const;

/** What `--help` says about each of RUN_COMMAND_FLAGS. */
export const RUN_COMMAND_FLAG_DOCS: CommandDoc<typeof RUN_COMMAND_FLAGS>["flags"] = {
  ...RUN_FLAG_DOCS,
  ...RUN_SERVE_FLAG_DOCS,
  workers: { value: "N", help: "worker processes running trials (one CPU-bound trial each)", default: "the study file's workers, else 1" },
  "trials-per-gpu": { value: "N", help: "with --gpus: trials that may share one GPU", default: "1" },
};

const DOC: CommandDoc<typeof RUN_COMMAND_FLAGS> = {
  usage: "hpo run <study.ts> [options]",
  about: "Creates the study a file defines, or continues it, and runs trials until its budget (--n-trials), --timeout or Ctrl-C.",
  flags: RUN_COMMAND_FLAG_DOCS,
  notes: ["Running the same command again continues the study; Ctrl-C marks running trials FAIL (interrupted) and they are retried next time."],
};

/** `hpo run`: creates or continues the study a file defines and runs it to its budget. */
export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, RUN_COMMAND_FLAGS, DOC);
  if (positionals.length !== 1) throw new CliError(`expected one study file\nusage: ${DOC.usage}`);
  const flags = parseRunFlags(values);
  const workersFlag = intFlag("workers", values.workers, 1, MAX_WORKERS);
  const trialsPerGpu = intFlag("trials-per-gpu", values["trials-per-gpu"], 1, MAX_WORKERS);
  if (trialsPerGpu !== undefined && !flags.gpus) throw new CliError("--trials-per-gpu needs --gpus");
  // A study file may load a GPU library at its top level: a process that runs trials itself
  // is pinned before the file loads (worker processes get their own device when they start).
  if (flags.gpus) pinProcessToGpu(String(flags.gpus[0]));
  // Validate everything before touching storage: bad input writes nothing.
  const file = resolve(positionals[0]);
  // Loaded once the flags are good: `hpo run --help` needs none of it.
  const [{ loadStudyFile }, { awaitLabelled }, { runStudyInProcess }, { runWithWorkers }, { startRunServer }] = await Promise.all([
    import("../../study-file/load-study-file.ts"),
    import("../awaited-work.ts"),
    import("../study-runner.ts"),
    import("../worker-pool.ts"),
    import("./serve-command.ts"),
  ]);
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
    // Pinned to one GPU, this process runs one trial at a time (the plan allowed one).
    const inProcessFlags = gpuPlan ? { ...flags, concurrency: 1 } : flags;
    const code = workers > 1 ? await runWithWorkers(file, def, flags, workers, log, gpuPlan) : await runStudyInProcess(def, inProcessFlags, "runner", log, file);
    // The dashboard outlives the run: the user most wants to look once it is over. Ctrl-C
    // during the run (130) means "stop", so that ends the server too.
    if (server && code !== 130) await server.serveUntilInterrupted();
    return code;
  } finally {
    await server?.close();
  }
}
