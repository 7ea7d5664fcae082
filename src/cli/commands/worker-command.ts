import { resolve } from "node:path";
import { loadStudyFile } from "../../study-file/load-study-file.ts";
import { awaitLabelled } from "../awaited-work.ts";
import { CliError } from "../cli-error.ts";
import { parseFlags } from "../parse-flags.ts";
import { pinProcessToGpu } from "../gpu-plan.ts";
import { parseRunFlags, RUN_FLAG_DOCS, RUN_FLAGS } from "../run-options.ts";
import type { CommandDoc } from "../command-doc.ts";
import { runStudyInProcess } from "../study-runner.ts";
import { logLine } from "../stderr-log.ts";
import { formatText } from "../../../trackers/console/format-value.ts";

// "N more" has no single meaning for many workers joining one study: they share --n-trials.
const { "more-trials": _more, ...WORKER_FLAGS } = RUN_FLAGS;
const { "more-trials": _moreDoc, ...WORKER_FLAG_DOCS } = RUN_FLAG_DOCS;

const DOC: CommandDoc<typeof WORKER_FLAGS> = {
  usage: "hpo worker <study.ts> --storage postgres://... [options]",
  about: "Joins a study (creating it if no worker has yet) and runs its trials until the study-wide budget; start as many as you like, on any machine sharing the PostgreSQL database.",
  flags: WORKER_FLAG_DOCS,
};

/**
 * `hpo worker`: joins a study (creating it if no worker has yet) and runs trials until the
 * study-wide budget is reached; start as many as you like, on any machine.
 */
export async function workerCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, WORKER_FLAGS, DOC);
  if (positionals.length !== 1) throw new CliError(`expected one study file\nusage: ${DOC.usage}`);
  const flags = parseRunFlags(values);
  // One GPU: this process is pinned to it before the study file (and any GPU library) loads.
  // Several: command objectives share them out per trial; in-process objectives see them all.
  if (flags.gpus?.length === 1) pinProcessToGpu(String(flags.gpus[0]));
  else if (flags.gpus) process.env.HPO_GPUS = flags.gpus.join(",");
  const file = resolve(positionals[0]);
  const def = await awaitLabelled(`the study file ${file} (its top-level code)`, loadStudyFile(file));
  const log = logLine;
  if (!flags.quiet) log(`hpo: worker ${process.pid} joining study "${formatText(def.name)}"`);
  return runStudyInProcess(def, flags, "worker", log);
}
