import { CliError } from "../cli-error.ts";
import { openExistingStorage } from "../open-existing-storage.ts";
import { parseFlags } from "../parse-flags.ts";
import { logLine } from "../stderr-log.ts";
import { STORAGE_FLAG_DOC, type CommandDoc } from "../command-doc.ts";

const FLAGS = { storage: { type: "string" } } as const;
const DOC: CommandDoc<typeof FLAGS> = {
  usage: "hpo delete <study> [options]",
  about: "Deletes a study and all its trials.",
  flags: { storage: STORAGE_FLAG_DOC },
};

/** `hpo delete <study>`: deletes a study and all its trials. */
export async function deleteCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, FLAGS, DOC);
  if (positionals.length !== 1) throw new CliError(`expected one study name\nusage: ${DOC.usage}`);
  const handle = await openExistingStorage(values.storage);
  try {
    await handle.storage.deleteStudy(positionals[0]);
    logLine(`hpo: deleted study "${positionals[0]}"`);
    return 0;
  } finally {
    await handle.release();
  }
}
