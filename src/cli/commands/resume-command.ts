import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import { CliError } from "../cli-error.ts";
import { flagsToArgv, parseFlags } from "../parse-flags.ts";
import { terminalSafe } from "../../internal/terminal-text.ts";
import { RUN_COMMAND_FLAG_DOCS, RUN_COMMAND_FLAGS, runCommand } from "./run-command.ts";
import type { CommandDoc } from "../command-doc.ts";

const DOC: CommandDoc<typeof RUN_COMMAND_FLAGS> = {
  usage: "hpo resume <study> [<study.ts>] [options]",
  about:
    "Continues a study to its budget with the study file given, or the one it was last run from once you confirm it at a terminal. Takes every option of hpo run.",
  flags: RUN_COMMAND_FLAG_DOCS,
};

/**
 * `hpo resume <study> [<study.ts>]`: continues a study to its budget. The study file is the
 * one given; without one, the file the study was last run from is named by its storage,
 * and hpo runs it only when the user says so at a terminal: a storage others can write
 * must not choose what code runs here.
 */
export async function resumeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, RUN_COMMAND_FLAGS, DOC);
  if (positionals.length < 1 || positionals.length > 2) throw new CliError(`expected a study name and, optionally, its study file\nusage: ${DOC.usage}`);
  const [name, given] = positionals;
  // Loaded once the flags are good: `hpo resume --help` needs none of it.
  const [{ StudyNotFoundError }, { loadStudyFile }, { awaitLabelled }, { openExistingStorage }] = await Promise.all([
    import("../../storage/storage-errors.ts"),
    import("../../study-file/load-study-file.ts"),
    import("../awaited-work.ts"),
    import("../open-existing-storage.ts"),
  ]);
  const handle = await openExistingStorage(values.storage);
  let recorded: string | null;
  try {
    const study = await handle.storage.findStudy(name);
    if (!study) throw new StudyNotFoundError(name, handle.storage.location);
    recorded = typeof study.systemAttrs.study_file === "string" ? study.systemAttrs.study_file : null;
  } finally {
    await handle.release();
  }
  const file = given !== undefined ? resolve(given) : await confirmRecordedFile(name, recorded);
  // Loaded here to check it defines this study (the run below reuses the loaded module).
  const def = await awaitLabelled(`the study file ${file} (its top-level code)`, loadStudyFile(file));
  if (def.name !== name) throw new CliError(`${file} defines study "${def.name}", not "${name}"`, 1);
  return runCommand([file, ...flagsToArgv(values)]);
}

/** The recorded study file, once the user at the terminal agreed to run it. */
async function confirmRecordedFile(name: string, recorded: string | null): Promise<string> {
  if (recorded === null) {
    throw new CliError(`study "${name}" was not started with hpo run, so its study file is unknown: give it, hpo resume ${name} <study.ts>`, 1);
  }
  const giveIt = `give it on the command line: hpo resume ${name} ${recorded}`;
  if (!existsSync(recorded)) throw new CliError(`study "${name}" was last run from ${recorded}, which no longer exists; ${giveIt.replace(recorded, "<study.ts>")}`, 1);
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new CliError(`study "${name}" was last run from ${recorded} (as its storage records); to run that file, ${giveIt}`, 2);
  }
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(terminalSafe(`hpo: study "${name}" was last run from ${recorded} (as its storage records). Run that file? [y/N] `));
    if (!/^y(es)?$/i.test(answer.trim())) throw new CliError(`not resumed; to run a study file, ${giveIt}`, 1);
  } finally {
    prompt.close();
  }
  return recorded;
}
