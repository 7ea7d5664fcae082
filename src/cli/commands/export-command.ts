import { writeFileSync } from "node:fs";
import { StudyNotFoundError } from "../../storage/storage-errors.ts";
import { CliError } from "../cli-error.ts";
import { openExistingStorage } from "../open-existing-storage.ts";
import { parseFlags } from "../parse-flags.ts";
import { logLine } from "../stderr-log.ts";
import { trialsToCsv, trialsToJson } from "../trials-export.ts";

const USAGE = "hpo export <study> --format csv|json [--output FILE] [--storage URL]";

/** `hpo export <study>`: writes a study's trials as CSV or JSON (stdout or --output). */
export async function exportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    { storage: { type: "string" }, format: { type: "string", default: "csv" }, output: { type: "string", short: "o" } },
    USAGE,
  );
  if (positionals.length !== 1) throw new CliError(`expected one study name\nusage: ${USAGE}`);
  const format = values.format;
  if (format !== "csv" && format !== "json") throw new CliError(`--format expects csv or json, got "${format}"`);
  const handle = await openExistingStorage(values.storage);
  try {
    const study = await handle.storage.findStudy(positionals[0]);
    if (!study) throw new StudyNotFoundError(positionals[0], handle.storage.location);
    const { trials } = await handle.storage.getTrials(study.studyId);
    const text =
      format === "csv"
        ? trialsToCsv(trials, study.directions.length)
        : `${JSON.stringify({ study: { name: study.studyName, directions: study.directions, userAttrs: study.userAttrs }, trials: trialsToJson(trials) }, null, 2)}\n`;
    if (values.output) {
      writeFileSync(values.output, text);
      logLine(`hpo: wrote ${trials.length} trial(s) to ${values.output}`);
    } else {
      process.stdout.write(text);
    }
    return 0;
  } finally {
    await handle.release();
  }
}
