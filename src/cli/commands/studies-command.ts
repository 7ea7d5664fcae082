import { formatNumber } from "../../../trackers/console/format-value.ts";
import { CliError } from "../cli-error.ts";
import { openExistingStorage } from "../open-existing-storage.ts";
import { parseFlags } from "../parse-flags.ts";
import { renderTable } from "../render-table.ts";
import { STORAGE_FLAG_DOC, type CommandDoc } from "../command-doc.ts";

const FLAGS = { storage: { type: "string" }, json: { type: "boolean" } } as const;
const DOC: CommandDoc<typeof FLAGS> = {
  usage: "hpo studies [options]",
  about: "Lists the studies in a storage with their trial counts and best values.",
  flags: { storage: STORAGE_FLAG_DOC, json: { help: "print the list as JSON (for scripts)", default: "a table" } },
};

/** `hpo studies`: lists the studies in a storage with their counts and best values. */
export async function studiesCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, FLAGS, DOC);
  if (positionals.length) throw new CliError(`unexpected argument "${positionals[0]}"\nusage: ${DOC.usage}`);
  const handle = await openExistingStorage(values.storage);
  try {
    const studies = await handle.storage.listStudies();
    if (values.json) {
      process.stdout.write(`${JSON.stringify(studies, null, 2)}\n`);
      return 0;
    }
    if (studies.length === 0) {
      process.stdout.write(`no studies in ${handle.storage.location}\n`);
      return 0;
    }
    const rows = studies.map((s) => [
      s.studyName,
      s.directions.join(","),
      String(Object.values(s.counts).reduce((a, b) => a + b, 0)),
      String(s.counts.COMPLETE),
      String(s.counts.PRUNED),
      String(s.counts.FAIL),
      String(s.counts.RUNNING + s.counts.WAITING),
      formatNumber(s.bestValue),
      s.createdAt.toISOString().slice(0, 19).replace("T", " "),
    ]);
    process.stdout.write(renderTable(["study", "direction", "trials", "complete", "pruned", "failed", "active", "best", "created"], rows));
    return 0;
  } finally {
    await handle.release();
  }
}
