/**
 * The training loop of one run: shuffled mini-batches per epoch, AdamW with linear
 * warm-up and cosine decay, global-norm gradient clipping. Epoch e's order depends only on
 * (seed, e), so a run resumed from a checkpoint sees the same batches it would have.
 */
import type * as tf from "@tensorflow/tfjs";
import { SeededRandom } from "../../../src/random/seeded-random.ts";
import { chunkBatches, disposeBatch, type PreparedExample, tokenBatch } from "../data/token-batches.ts";
import { type CaptionerModel, dropoutSeeds } from "../model/captioner-model.ts";
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

/** Trains `trainable` variables of a model on prepared examples. */
export class CaptionTrainer {
  readonly model: CaptionerModel;
  readonly trainable: readonly tf.Variable[];
  readonly optimizer: AdamW;
  readonly #train: readonly PreparedExample[];
  readonly #options: TrainerOptions;
  readonly stepsPerEpoch: number;
  #globalStep = 0;

  constructor(model: CaptionerModel, trainable: readonly tf.Variable[], train: readonly PreparedExample[], options: TrainerOptions) {
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
    const encoder = this.model.config.encoder;
    const maxTokens = this.model.config.decoder.maxTokens;
    const rng = new SeededRandom(this.#options.seed * 7919 + epoch);
    let total = 0;
    let steps = 0;
    for (const chunk of chunkBatches(this.#train, this.#options.batchSize, rng)) {
      const batch = tokenBatch(chunk, encoder, maxTokens);
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
        disposeBatch(batch);
      }
    }
    return { epoch, trainLoss: total / Math.max(1, steps), steps, seconds: (performance.now() - started) / 1000 };
  }

  /** Frees the optimiser state (the model stays). */
  dispose(): void {
    this.optimizer.dispose();
  }
}
