import { CaptionCasesError, readCaptionCases } from "../../../objectives/command/caption-cases.ts";
import { CAPTION_SCORE_NAMES, scoreCaptions } from "../../../objectives/command/caption-scores.ts";
import { CliError } from "../cli-error.ts";
import { parseFlags } from "../parse-flags.ts";
import type { CommandDoc } from "../command-doc.ts";

const FLAGS = { json: { type: "boolean" } } as const;
const DOC: CommandDoc<typeof FLAGS> = {
  usage: "hpo score-captions <predictions.jsonl> [options]",
  about: "Prints BLEU-1, BLEU-2, ROUGE-L and METEOR of a JSONL file, as a study records them (hpo/metrics).",
  flags: { json: { help: "print one JSON object (the four scores, cases, empty predictions)" } },
  notes: ['One case per line: {"prediction": "...", "references": ["...", ...]} (or "reference": "...").'],
};

/**
 * `hpo score-captions`: BLEU-1/2, ROUGE-L and METEOR of a JSONL predictions file, with the
 * same code a study records them with (`hpo:captions`); `--json` prints one JSON object.
 */
export async function scoreCaptionsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, FLAGS, DOC);
  if (positionals.length !== 1) throw new CliError(`expected one predictions file\nusage: ${DOC.usage}`);
  let cases;
  try {
    cases = await readCaptionCases(positionals[0]);
  } catch (e) {
    if (e instanceof CaptionCasesError) throw new CliError(e.message, 1);
    throw e;
  }
  if (cases.length === 0) throw new CliError(`${positionals[0]}: no cases (expected one {"prediction": ..., "references": [...]} per line)`, 1);
  const scores = scoreCaptions(cases);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(scores)}\n`);
    return 0;
  }
  const lines = CAPTION_SCORE_NAMES.map((name) => `${name.padEnd(6)}  ${scores[name].toFixed(6)}`);
  const empty = scores.emptyPredictions > 0 ? `, ${scores.emptyPredictions} empty prediction${scores.emptyPredictions === 1 ? "" : "s"} scored 0` : "";
  process.stdout.write(`${lines.join("\n")}\n(${scores.cases} cases${empty})\n`);
  return 0;
}
