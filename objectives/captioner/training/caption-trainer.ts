/**
 * The training loop of one run: shuffled mini-batches per epoch, AdamW with linear
 * warm-up and cosine decay, global-norm gradient clipping. Epoch e's order depends only on
 * (seed, e), so a run resumed from a checkpoint sees the same batches it would have.
 */
import type * as tf from "@tensorflow/tfjs";
import { SeededRandom } from "../../../src/random/seeded-random.ts";
import { chunkBatches } from "../data/token-batches.ts";
import { type DropoutSeeds, dropoutSeeds } from "../model/captioner-model.ts";
import { AdamW } from "./adamw.ts";
import { learningRateAt } from "./lr-schedule.ts";
import { trainStep } from "./train-step.ts";

/** Loop settings. */
export interface TrainerOptions {
  readonly batchSize: number;
  /** Peak learning rate. */
  readonly learningRate: number;
  /** Epochs the schedule spans (warm-up and decay are laid out over all of them). */
  readonly epochs: number;
  /** Fraction of all steps spent warming up (default 0.1). */
  readonly warmupFraction?: number;
  readonly weightDecay?: number;
  /** Global-norm clip (default 1). */
  readonly clipNorm?: number;
  readonly seed: number;
}

/** What one epoch did. */
export interface EpochResult {
  readonly epoch: number;
  /** Mean training loss over the epoch's batches (before each update). */
  readonly trainLoss: number;
  readonly steps: number;
  readonly seconds: number;
}

/** How a model turns examples into batches and a batch into its loss. */
export interface BatchedLoss<E, B> {
  /** The batch of `examples` (tensors the trainer frees with {@link disposeBatch}). */
  batch(examples: readonly E[]): B;
  /** Mean loss of `batch`; `seeds` set means training (dropout on). */
  loss(batch: B, seeds?: DropoutSeeds): tf.Scalar;
  disposeBatch(batch: B): void;
}

/** Trains `trainable` variables of a model on prepared examples. */
export class CaptionTrainer<E, B> {
  readonly model: BatchedLoss<E, B>;
  readonly trainable: readonly tf.Variable[];
  readonly optimizer: AdamW;
  readonly #train: readonly E[];
  readonly #options: TrainerOptions;
  readonly stepsPerEpoch: number;
  #globalStep = 0;

  constructor(model: BatchedLoss<E, B>, trainable: readonly tf.Variable[], train: readonly E[], options: TrainerOptions) {
    if (train.length === 0) throw new Error("no training examples");
    if (trainable.length === 0) throw new Error("nothing to train: every weight is frozen");
    this.model = model;
    this.trainable = trainable;
    this.#train = train;
    this.#options = options;
    this.stepsPerEpoch = Math.ceil(train.length / options.batchSize);
    this.optimizer = new AdamW(trainable, { weightDecay: options.weightDecay ?? 0.01 });
  }

  /** Optimiser steps taken so far. */
  get globalStep(): number {
    return this.#globalStep;
  }

  /** Continues the schedule from a restored checkpoint. */
  resumeAt(globalStep: number): void {
    this.#globalStep = globalStep;
  }

  /** The learning rate the next step will use. */
  currentLearningRate(): number {
    const totalSteps = this.stepsPerEpoch * this.#options.epochs;
    const warmupSteps = Math.round(totalSteps * (this.#options.warmupFraction ?? 0.1));
    return learningRateAt({ peak: this.#options.learningRate, totalSteps, warmupSteps }, this.#globalStep);
  }

  /** Runs epoch `epoch` (1-based); `onStep` sees each batch loss. */
  trainEpoch(epoch: number, onStep?: (step: number, loss: number) => void): EpochResult {
    const started = performance.now();
    const rng = new SeededRandom(this.#options.seed * 7919 + epoch);
    let total = 0;
    let steps = 0;
    for (const chunk of chunkBatches(this.#train, this.#options.batchSize, rng)) {
      const batch = this.model.batch(chunk);
      try {
        const lossTensor = trainStep(this.model, batch, this.trainable, this.optimizer, {
          learningRate: this.currentLearningRate(),
          clipNorm: this.#options.clipNorm ?? 1,
          seeds: dropoutSeeds(this.#globalStep, this.#options.seed),
        });
        const loss = lossTensor.dataSync()[0];
        lossTensor.dispose();
        if (!Number.isFinite(loss)) throw new Error(`training diverged: loss ${loss} at epoch ${epoch}, step ${steps + 1}`);
        total += loss;
        steps++;
        this.#globalStep++;
        onStep?.(this.#globalStep, loss);
      } finally {
        this.model.disposeBatch(batch);
      }
    }
    return { epoch, trainLoss: total / Math.max(1, steps), steps, seconds: (performance.now() - started) / 1000 };
  }

  /** Frees the optimiser state (the model stays). */
  dispose(): void {
    this.optimizer.dispose();
  }
}
