import type { CaptionScores } from "./caption-scores.ts";
import { splitMetrics } from "./caption-scores.ts";
import type { CommandTrial } from "./command-trial.ts";

/**
 * Records a split's caption scores as the trial's named metrics at `step` (`val_meteor`,
 * `val_bleu1`, ...): the one place where scored captions reach the trial. Throws what the
 * trial throws (a TypeError or RangeError for a report it refuses).
 */
export function recordCaptionScores(trial: CommandTrial, step: number, split: string, scores: CaptionScores): void {
  trial.report(splitMetrics(split, scores), step);
}
