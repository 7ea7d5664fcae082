/**
 * What the objective needs from a captioner to tune it, whichever kind it is (hpo's
 * synthetic-data model or a Hugging Face checkpoint): start a run with a trial's
 * hyperparameters, train it an epoch at a time, score it, save what it learned.
 */
import type * as tf from "@tensorflow/tfjs";
import type { CaptionerHyperparameters } from "../hyperparameters.ts";
import type { AdamW } from "../training/adamw.ts";
import type { EpochResult } from "../training/caption-trainer.ts";
import type { SplitScores } from "../training/evaluation.ts";

/** The trainer side of a run (a CaptionTrainer). */
export interface EpochTrainer {
  readonly optimizer: AdamW;
  readonly globalStep: number;
  resumeAt(globalStep: number): void;
  trainEpoch(epoch: number): EpochResult;
  dispose(): void;
}

/** One trial's fine-tuning. */
export interface TuningRun {
  /** Variables the optimiser changes, by name (adapters, or trained weights). */
  readonly trainable: ReadonlyMap<string, tf.Variable>;
  readonly trainer: EpochTrainer;
  /** Loss and caption scores of a split with the current weights. */
  score(split: "validation" | "test"): SplitScores;
  /** Writes what the run learned (peft adapter or fine-tuned weights) into `dir`; returns the tensor names. */
  save?(dir: string): Promise<string[]>;
  /** Frees the run; the captioner is the pretrained one again. */
  dispose(): void;
}

/** A captioner ready to be tuned on its data. */
export interface TunableCaptioner {
  /** One line: what the base model and data are. */
  readonly description: string;
  readonly trainSize: number;
  /** Where baseline scores are cached (null: not cached). */
  readonly baselineDir: string | null;
  /** Identifies base model and data in cache keys. */
  readonly identity: string;
  /** Starts a run with `hp`; `seed` decides adapters, batch order and dropout. */
  startRun(hp: CaptionerHyperparameters, seed: number): TuningRun;
  /** Test scores of the base model, not fine-tuned. */
  scoreUntuned(): SplitScores;
  dispose(): void;
}
