import { existsSync } from "node:fs";
import { StudyNotFoundError } from "../../storage/storage-errors.ts";
import { CliError } from "../cli-error.ts";
import { openExistingStorage } from "../open-existing-storage.ts";
import { parseFlags } from "../parse-flags.ts";
import { RUN_FLAGS } from "../run-options.ts";
import { runCommand } from "./run-command.ts";

const USAGE = "hpo resume <study> [--storage URL] [hpo run options]";

/** `hpo resume <study>`: runs the study file the study was last run from, to its budget. */
export async function resumeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { ...RUN_FLAGS, workers: { type: "string" } }, USAGE);
  if (positionals.length !== 1) throw new CliError(`expected one study name\nusage: ${USAGE}`);
  const handle = await openExistingStorage(values.storage);
  let file: string;
  try {
    const study = await handle.storage.findStudy(positionals[0]);
    if (!study) throw new StudyNotFoundError(positionals[0], handle.storage.location);
    const recorded = study.systemAttrs.study_file;
    if (typeof recorded !== "string") {
      throw new CliError(`study "${positionals[0]}" was not started with hpo run, so its study file is unknown: use hpo run <study.ts>`, 1);
    }
    if (!existsSync(recorded)) throw new CliError(`study "${positionals[0]}" was run from ${recorded}, which no longer exists`, 1);
    file = recorded;
  } finally {
    await handle.release();
  }
  const rest = argv.filter((a) => a !== positionals[0]);
  return runCommand([file, ...rest]);
}
