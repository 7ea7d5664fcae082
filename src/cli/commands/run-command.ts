import { resolve } from "node:path";
import { loadStudyFile } from "../../study-file/load-study-file.ts";
import { CliError } from "../cli-error.ts";
import { intFlag, parseFlags } from "../parse-flags.ts";
import { parseRunFlags, RUN_FLAGS } from "../run-options.ts";
import { runStudyInProcess } from "../study-runner.ts";
import { runWithWorkers } from "../worker-pool.ts";

const USAGE =
  "hpo run <study.ts> [--storage URL] [--n-trials N] [--workers N] [--concurrency N] [--timeout SECONDS] [--gpus 0,1,...] [--tracker SPEC]... [--no-catch] [--quiet]";

/** `hpo run`: creates or continues the study a file defines and runs it to its budget. */
export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { ...RUN_FLAGS, workers: { type: "string" } }, USAGE);
  if (positionals.length !== 1) throw new CliError(`expected one study file\nusage: ${USAGE}`);
  const flags = parseRunFlags(values);
  const workersFlag = intFlag("workers", values.workers, 1);
  // Validate everything before touching storage: bad input writes nothing.
  const file = resolve(positionals[0]);
  const def = await loadStudyFile(file);
  const log = (m: string) => process.stderr.write(`${m}\n`);
  if (flags.gpus) process.env.HPO_GPUS = flags.gpus.join(",");
  const workers = workersFlag ?? def.workers ?? 1;
  if (workers > 1) return runWithWorkers(file, def, flags, workers, log);
  return runStudyInProcess(def, flags, "runner", log, file);
}
