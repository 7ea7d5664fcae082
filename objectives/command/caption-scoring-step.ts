import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { CaptionCasesError, readCaptionCases, type CaptionCase } from "./caption-cases.ts";
import type { CaptionsMessage } from "./caption-message.ts";
import { scoreCaptions, type CaptionScores } from "./caption-scores.ts";

/** What scoring one `hpo:captions` message gave: the scores, or why there are none. */
export type CaptionScoring =
  | { readonly ok: true; readonly scores: CaptionScores }
  | { readonly ok: false; readonly error: string };

/**
 * Where hpo writes the answer to a captions message, so that the program can read the
 * scores it asked for (e.g. to keep its best epoch): `<trialDir>/captions/<split>-step<step>.scores.json`.
 */
export function captionScoresPath(trialDir: string, split: string, step: number): string {
  return join(trialDir, "captions", `${split}-step${step}.scores.json`);
}

/**
 * Scores a captions message: reads its cases (inline, or the JSONL file, relative to the
 * trial folder), computes the four scores, and writes them (or the error) to
 * {@link captionScoresPath} atomically, so a program waiting for that file never reads half.
 */
export async function scoreCaptionsMessage(message: CaptionsMessage, trialDir: string, onWarning: (m: string) => void): Promise<CaptionScoring> {
  let outcome: CaptionScoring;
  try {
    const cases: readonly CaptionCase[] =
      message.source.kind === "inline" ? message.source.cases : await readCaptionCases(resolve(trialDir, message.source.path));
    const scores = scoreCaptions(cases);
    if (scores.emptyPredictions > 0) {
      onWarning(`${scores.emptyPredictions} of ${scores.cases} ${message.split} predictions at step ${message.step} are empty (scored 0)`);
    }
    outcome = { ok: true, scores };
  } catch (e) {
    if (!(e instanceof CaptionCasesError)) throw e;
    outcome = { ok: false, error: e.message };
  }
  const target = captionScoresPath(trialDir, message.split, message.step);
  await mkdir(dirname(target), { recursive: true });
  const body = outcome.ok ? { step: message.step, split: message.split, scores: outcome.scores } : { step: message.step, split: message.split, error: outcome.error };
  await writeFile(`${target}.tmp`, `${JSON.stringify(body)}\n`);
  await rename(`${target}.tmp`, target);
  return outcome;
}
