import { formatNumber } from "../../../trackers/console/format-value.ts";
import { StudyNotFoundError } from "../../storage/storage-errors.ts";
import { trialDurationMs } from "../../vocabulary/frozen-trial.ts";
import { TrialState } from "../../vocabulary/trial-state.ts";
import { CliError } from "../cli-error.ts";
import { openExistingStorage } from "../open-existing-storage.ts";
import { parseFlags } from "../parse-flags.ts";
import { renderTable } from "../render-table.ts";
import { trialsToJson } from "../trials-export.ts";
import { STORAGE_FLAG_DOC, type CommandDoc } from "../command-doc.ts";

const FLAGS = { storage: { type: "string" }, state: { type: "string" }, json: { type: "boolean" } } as const;
const DOC: CommandDoc<typeof FLAGS> = {
  usage: "hpo trials <study> [options]",
  about: "Shows a study's trials: number, state, value(s), params, reports and duration.",
  flags: {
    storage: STORAGE_FLAG_DOC,
    state: { value: "STATES", help: "only trials in these states, comma-separated: COMPLETE,PRUNED,FAIL,RUNNING,WAITING", default: "all" },
    json: { help: "print the trials as JSON, with attrs and intermediate values (for scripts)", default: "a table" },
  },
};

/** `hpo trials <study>`: prints a study's trials as a table (or JSON). */
export async function trialsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, FLAGS, DOC);
  if (positionals.length !== 1) throw new CliError(`expected one study name\nusage: ${DOC.usage}`);
  const states = values.state?.split(",").map((s) => s.trim().toUpperCase());
  for (const s of states ?? []) {
    if (!(s in TrialState)) throw new CliError(`--state: unknown state "${s}"; expected some of ${Object.keys(TrialState).join(", ")}`);
  }
  const handle = await openExistingStorage(values.storage);
  try {
    const study = await handle.storage.findStudy(positionals[0]);
    if (!study) throw new StudyNotFoundError(positionals[0], handle.storage.location);
    const { trials } = await handle.storage.getTrials(study.studyId, { states: states as TrialState[] | undefined });
    if (values.json) {
      process.stdout.write(`${JSON.stringify(trialsToJson(trials), null, 2)}\n`);
      return 0;
    }
    const paramNames = [...new Set(trials.flatMap((t) => Object.keys(t.params)))];
    const rows = trials.map((t) => {
      const d = trialDurationMs(t);
      return [
        String(t.number),
        t.state,
        t.values ? t.values.map(formatNumber).join(",") : "-",
        ...paramNames.map((p) => (p in t.params ? (typeof t.params[p] === "number" ? formatNumber(t.params[p] as number) : String(t.params[p])) : "")),
        String(t.intermediateValues.size),
        d === null ? "-" : `${(d / 1000).toFixed(2)}s`,
      ];
    });
    process.stdout.write(renderTable(["#", "state", "value", ...paramNames, "reports", "duration"], rows));
    return 0;
  } finally {
    await handle.release();
  }
}
