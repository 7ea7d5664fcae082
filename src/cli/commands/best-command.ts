import { formatNumber, formatParams } from "../../../trackers/console/format-value.ts";
import { StudyNotFoundError } from "../../storage/storage-errors.ts";
import { paretoFront } from "../../study/pareto-front.ts";
import { isBetter } from "../../vocabulary/study-direction.ts";
import type { FrozenTrial } from "../../vocabulary/frozen-trial.ts";
import { CliError } from "../cli-error.ts";
import { STORAGE_FLAG_DOC, type CommandDoc } from "../command-doc.ts";
import { openExistingStorage } from "../open-existing-storage.ts";
import { parseFlags } from "../parse-flags.ts";
import { renderAttrs } from "../study-summary.ts";

const FLAGS = { storage: { type: "string" }, json: { type: "boolean" } } as const;
const DOC: CommandDoc<typeof FLAGS> = {
  usage: "hpo best <study> [options]",
  about: "Prints a study's best COMPLETE trial: its number, value and params (a multi-objective study: its Pareto front).",
  flags: {
    storage: STORAGE_FLAG_DOC,
    json: { help: 'print JSON for scripts: {"number", "value(s)", "params", "userAttrs"} (an array for a Pareto front)', default: "text" },
  },
};

function asJson(t: FrozenTrial, multi: boolean): Record<string, unknown> {
  return { number: t.number, ...(multi ? { values: t.values } : { value: t.value }), params: t.params, userAttrs: t.userAttrs };
}

/** `hpo best <study>`: the best trial, for people and (with --json) for scripts. */
export async function bestCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, FLAGS, DOC);
  if (positionals.length !== 1) throw new CliError(`expected one study name\nusage: ${DOC.usage}`);
  const handle = await openExistingStorage(values.storage);
  try {
    const study = await handle.storage.findStudy(positionals[0]);
    if (!study) throw new StudyNotFoundError(positionals[0], handle.storage.location);
    const { trials } = await handle.storage.getTrials(study.studyId, { states: ["COMPLETE"] });
    const multi = study.directions.length > 1;
    let best: FrozenTrial[];
    if (multi) best = paretoFront(trials, study.directions);
    else {
      let one: FrozenTrial | null = null;
      for (const t of trials) if (t.value !== null && (one === null || isBetter(study.directions[0], t.value, one.value as number))) one = t;
      best = one ? [one] : [];
    }
    if (best.length === 0) throw new CliError(`study "${study.studyName}" has no COMPLETE trial yet`, 1);
    if (values.json) {
      const out = multi ? best.map((t) => asJson(t, true)) : asJson(best[0], false);
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      return 0;
    }
    for (const t of best) {
      const value = multi ? `values [${t.values!.map(formatNumber).join(", ")}]` : `value ${formatNumber(t.value)}`;
      process.stdout.write(`trial ${t.number}: ${value} with ${formatParams(t.params)}\n`);
      for (const line of renderAttrs(t.userAttrs)) process.stdout.write(`  ${line}\n`);
    }
    return 0;
  } finally {
    await handle.release();
  }
}
