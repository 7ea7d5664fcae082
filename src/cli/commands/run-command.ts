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
import { RUN_SERVE_FLAGS, startRunServer } from "./serve-command.ts";
import { logLine } from "../stderr-log.ts";

const USAGE =
  "hpo run <study.ts> [--storage URL] [--n-trials N] [--workers N] [--concurrency N] [--timeout SECONDS] [--gpus 0,1,...] [--tracker SPEC]... [--no-catch] [--quiet] [--serve [--port 8787] [--host H] [--token T]]";

/** `hpo run`: creates or continues the study a file defines and runs it to its budget. */
export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { ...RUN_FLAGS, ...RUN_SERVE_FLAGS, workers: { type: "string" } }, USAGE);
  if (positionals.length !== 1) throw new CliError(`expected one study file\nusage: ${USAGE}`);
  const flags = parseRunFlags(values);
  const workersFlag = intFlag("workers", values.workers, 1, MAX_WORKERS);
  // Validate everything before touching storage: bad input writes nothing.
  const file = resolve(positionals[0]);
  const def = await awaitLabelled(`the study file ${file} (its top-level code)`, loadStudyFile(file));
  const log = logLine;
  if (flags.gpus) process.env.HPO_GPUS = flags.gpus.join(",");
  const workers = workersFlag ?? def.workers ?? 1;
  // --serve: the dashboard and live feed on the run's own storage (shared in this process).
  const server = await startRunServer(values, flags.storage ?? process.env.HPO_STORAGE ?? def.storage, log);
  try {
    if (workers > 1) return await runWithWorkers(file, def, flags, workers, log);
    return await runStudyInProcess(def, flags, "runner", log, file);
  } finally {
    await server?.close();
  }
}
