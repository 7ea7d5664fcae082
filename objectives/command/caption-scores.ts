import { computeCaptionMetrics } from "../metrics/caption-metrics.ts";
import type { CaptionCase } from "./caption-cases.ts";

/** The four caption scores hpo records, computed by `hpo/metrics` (equal to the Python references). */
export interface CaptionScores {
  readonly bleu1: number;
  readonly bleu2: number;
  readonly rougeL: number;
  readonly meteor: number;
  /** How many cases were scored. */
  readonly cases: number;
  /** Predictions that were empty or whitespace only (each scored 0). */
  readonly emptyPredictions: number;
}

/** The score names, in the order they are printed and recorded. */
export const CAPTION_SCORE_NAMES = ["bleu1", "bleu2", "rougeL", "meteor"] as const;

/**
 * BLEU-1/2, ROUGE-L and METEOR of a set of cases, with `hpo/metrics`' semantics (corpus
 * BLEU, mean best-reference ROUGE-L F and METEOR). Empty predictions score 0 and are
 * counted, never thrown.
 *
 * @example
 * scoreCaptions([{ prediction: "a red bar", references: ["a red bar on a plate"] }]).meteor
 */
export function scoreCaptions(cases: readonly CaptionCase[]): CaptionScores {
  const metrics = computeCaptionMetrics(
    cases.map((c) => c.prediction),
    cases.map((c) => c.references),
  );
  return {
    bleu1: metrics.bleu1,
    bleu2: metrics.bleu2,
    rougeL: metrics.rougeL,
    meteor: metrics.meteor,
    cases: metrics.cases,
    emptyPredictions: metrics.warnings.emptyPredictions,
  };
}

/**
 * The scores as named metrics of one split: `val` gives `val_bleu1`, `val_bleu2`,
 * `val_rougeL`, `val_meteor` (what a study's `metric: "val_meteor"` watches).
 */
export function splitMetrics(split: string, scores: CaptionScores): Record<string, number> {
  const named: Record<string, number> = {};
  for (const name of CAPTION_SCORE_NAMES) named[`${split}_${name}`] = scores[name];
  return named;
}
