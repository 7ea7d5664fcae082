import { writeFileSync } from "node:fs";
import { extname } from "node:path";
import { StudyNotFoundError } from "../../storage/storage-errors.ts";
import { CliError } from "../cli-error.ts";
import { openExistingStorage } from "../open-existing-storage.ts";
import { parseFlags } from "../parse-flags.ts";
import { logLine } from "../stderr-log.ts";
import { stepsToCsv, trialsToCsv, trialsToJson } from "../trials-export.ts";
import { storedStudyMetric } from "../../study/study-metric.ts";
import { STORAGE_FLAG_DOC, type CommandDoc } from "../command-doc.ts";

const FLAGS = { storage: { type: "string" }, format: { type: "string" }, output: { type: "string", short: "o" }, steps: { type: "boolean" } } as const;
const DOC: CommandDoc<typeof FLAGS> = {
  usage: "hpo export <study> [options]",
  about: "Writes a study's trials (params, values, states, attrs, every metric of every step) as CSV or JSON.",
  flags: {
    storage: STORAGE_FLAG_DOC,
    format: { value: "csv|json", help: "the format", default: "from --output's extension (.json, .csv), else csv" },
    output: { value: "FILE", help: "write to FILE", default: "stdout" },
    steps: { help: "CSV of every reported step instead: one row per trial and step, a column per metric" },
  },
};

/** The format `--format` names, else the one `--output`'s extension implies, else CSV. */
function exportFormat(format: string | undefined, output: string | undefined): "csv" | "json" {
  if (format === undefined) return output !== undefined && extname(output).toLowerCase() === ".json" ? "json" : "csv";
  if (format !== "csv" && format !== "json") throw new CliError(`--format expects csv or json, got "${format}"`);
  return format;
}

/**
 * `hpo export <study>`: writes a study's trials as CSV or JSON (stdout or --output); with
 * `--steps`, the CSV has one row per trial and step with a column per metric instead.
 */
export async function exportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, FLAGS, DOC);
  if (positionals.length !== 1) throw new CliError(`expected one study name\nusage: ${DOC.usage}`);
  const format = exportFormat(values.format, values.output);
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
