import { CliError } from "../cli-error.ts";
import { openExistingStorage } from "../open-existing-storage.ts";
import { parseFlags } from "../parse-flags.ts";
import { logLine } from "../stderr-log.ts";

const USAGE = "hpo delete <study> [--storage URL]";

/** `hpo delete <study>`: deletes a study and all its trials. */
export async function deleteCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { storage: { type: "string" } }, USAGE);
  if (positionals.length !== 1) throw new CliError(`expected one study name\nusage: ${USAGE}`);
  const handle = await openExistingStorage(values.storage);
  try {
    await handle.storage.deleteStudy(positionals[0]);
    logLine(`hpo: deleted study "${positionals[0]}"`);
    return 0;
  } finally {
    await handle.release();
  }
}
