import { writeFileSync } from "node:fs";
import { StudyNotFoundError } from "../../storage/storage-errors.ts";
import { CliError } from "../cli-error.ts";
import { openExistingStorage } from "../open-existing-storage.ts";
import { parseFlags } from "../parse-flags.ts";
import { logLine } from "../stderr-log.ts";
import { stepsToCsv, trialsToCsv, trialsToJson } from "../trials-export.ts";
import { storedStudyMetric } from "../../study/study-metric.ts";

const USAGE = "hpo export <study> --format csv|json [--steps] [--output FILE] [--storage URL]";

/**
 * `hpo export <study>`: writes a study's trials as CSV or JSON (stdout or --output); with
 * `--steps`, the CSV has one row per trial and step with a column per metric instead.
 */
export async function exportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    { storage: { type: "string" }, format: { type: "string", default: "csv" }, output: { type: "string", short: "o" }, steps: { type: "boolean" } },
    USAGE,
  );
  if (positionals.length !== 1) throw new CliError(`expected one study name\nusage: ${USAGE}`);
  const format = values.format;
  if (format !== "csv" && format !== "json") throw new CliError(`--format expects csv or json, got "${format}"`);
  if (values.steps && format !== "csv") throw new CliError("--steps writes CSV (the JSON export nests every step's metrics in each trial already)");
  const handle = await openExistingStorage(values.storage);
  try {
    const study = await handle.storage.findStudy(positionals[0]);
    if (!study) throw new StudyNotFoundError(positionals[0], handle.storage.location);
    const { trials } = await handle.storage.getTrials(study.studyId);
    const metric = storedStudyMetric(study.systemAttrs) ?? { name: "value" };
    const text =
      format === "csv"
        ? values.steps
          ? stepsToCsv(trials)
          : trialsToCsv(trials, study.directions.length)
        : `${JSON.stringify({ study: { name: study.studyName, directions: study.directions, metric, userAttrs: study.userAttrs }, trials: trialsToJson(trials) }, null, 2)}\n`;
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
