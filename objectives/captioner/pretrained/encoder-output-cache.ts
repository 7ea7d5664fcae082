/**
 * Encoder outputs of a frozen ViT, computed once per image and reused: across the epochs of
 * a run, across the trials of a study in this process (memory), and across worker
 * processes and later runs (files under the cache folder). Keyed by the checkpoint's hash,
 * the preprocessing and the processed pixels, so a different checkpoint, processor or
 * image never hits. Only the base weights compute them, never a run's adapters or copies.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { vitPatchCount } from "./hf-config.ts";
import { patchTensorOf } from "./patch-tensor.ts";
import type { PretrainedCaptionerModel } from "./pretrained-captioner-model.ts";
import { type PretrainedExample, pixelValuesOf } from "./pretrained-examples.ts";
import { type ImageProcessorSettings, processorKey } from "./vit-image-processor.ts";
import { vitEncode } from "./vit-encoder.ts";
import type { WeightSource } from "./weight-source.ts";

/** Counts of where outputs came from (for logs and tests). */
export interface EncoderCacheStats {
  computed: number;
  fromDisk: number;
  fromMemory: number;
}

/** The cache of one checkpoint + processor. */
export class EncoderOutputCache {
  readonly stats: EncoderCacheStats = { computed: 0, fromDisk: 0, fromMemory: 0 };
  readonly #model: PretrainedCaptionerModel;
  readonly #processor: ImageProcessorSettings;
  readonly #prefix: string;
  readonly #dir: string | null;
  readonly #memory = new Map<string, Float32Array>();
  readonly #batchSize: number;

  /** `dir` null keeps outputs in memory only. */
  constructor(model: PretrainedCaptionerModel, processor: ImageProcessorSettings, options: { dir: string | null; batchSize?: number }) {
    this.#model = model;
    this.#processor = processor;
    this.#prefix = createHash("sha256").update(model.checkpointHash).update(processorKey(processor)).digest("hex");
    this.#dir = options.dir ? join(options.dir, this.#prefix.slice(0, 16)) : null;
    this.#batchSize = options.batchSize ?? 16;
  }

  /** The cache key of an example's image. */
  keyOf(example: PretrainedExample): string {
    return createHash("sha256").update(this.#prefix).update(example.imageKey).digest("hex").slice(0, 40);
  }

  #file(key: string): string | null {
    return this.#dir ? join(this.#dir, key.slice(0, 2), `${key}.f32`) : null;
  }

  /** Fills the cache for `examples`: memory, then disk, then the base encoder in batches. */
  ensure(examples: readonly PretrainedExample[]): void {
    const missing: PretrainedExample[] = [];
    const seen = new Set<string>();
    const size = (vitPatchCount(this.#model.config.encoder) + 1) * this.#model.config.encoder.hiddenSize;
    for (const e of examples) {
      const key = this.keyOf(e);
      if (this.#memory.has(key) || seen.has(key)) continue;
      seen.add(key);
      const file = this.#file(key);
      if (file && existsSync(file)) {
        const bytes = readFileSync(file);
        if (bytes.byteLength === size * 4) {
          const values = new Float32Array(size);
          new Uint8Array(values.buffer).set(bytes);
          this.#memory.set(key, values);
          this.stats.fromDisk++;
          continue;
        }
      }
      missing.push(e);
    }
    const base: WeightSource = { weight: (n) => this.#model.base.get(n), has: (n) => this.#model.base.has(n), loraDelta: () => null };
    for (let i = 0; i < missing.length; i += this.#batchSize) {
      const chunk = missing.slice(i, i + this.#batchSize);
      const patches = patchTensorOf(pixelValuesOf(chunk, this.#processor), this.#model.config, chunk.length);
      const states = tf.tidy(() => vitEncode(base, this.#model.config.encoder, patches));
      const values = states.dataSync() as Float32Array;
      tf.dispose([patches, states]);
      chunk.forEach((e, k) => {
        const v = values.slice(k * size, (k + 1) * size);
        const key = this.keyOf(e);
        this.#memory.set(key, v);
        this.stats.computed++;
        const file = this.#file(key);
        if (file) {
          mkdirSync(join(file, ".."), { recursive: true });
          const tmp = `${file}.${process.pid}.tmp`;
          writeFileSync(tmp, new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
          renameSync(tmp, file);
        }
      });
    }
  }

  /** The encoder outputs [(P+1) × hidden] of each example (filling the cache as needed). */
  states(examples: readonly PretrainedExample[]): Float32Array[] {
    this.ensure(examples);
    return examples.map((e) => {
      const v = this.#memory.get(this.keyOf(e));
      if (!v) throw new Error(`encoder cache lost ${e.id}`);
      this.stats.fromMemory++;
      return v;
    });
  }
}
