/**
 * Low-rank adapters on dense projections: y = x·W + b + (alpha/r)·dropout(x)·A·B, with A
 * random and B zero at the start, so a fresh adapter leaves the model unchanged. The base
 * W is never touched while adapters train; `mergedKernel` folds them in for inference.
 */
import * as tf from "@tensorflow/tfjs";
import { SeededRandom } from "../../../src/random/seeded-random.ts";
import { scale } from "../model/ops/graph-ops.ts";
import { linear } from "../model/ops/matmul.ts";
import type { ProjectionSpec } from "../model/parameter-specs.ts";
import { initialValues, type Tower } from "../model/parameter-store.ts";
import { type LoraConfig, loraScale } from "./lora-config.ts";

/** A dense projection an adapter attaches to. */
export interface AdaptedModule {
  readonly name: string;
  readonly tower: Tower;
  readonly inDim: number;
  readonly outDim: number;
}

/** One adapter pair. */
interface Adapter {
  readonly a: tf.Variable;
  readonly b: tf.Variable;
  readonly tower: Tower;
}

/** Adapters by projection name. */
export class LoraAdapters {
  readonly config: LoraConfig;
  readonly scale: number;
  readonly #adapters = new Map<string, Adapter>();

  private constructor(config: LoraConfig) {
    this.config = config;
    this.scale = loraScale(config);
  }

  /**
   * Adapters for every projection in `towers` whose kind is a target. A is drawn as
   * N(0, 1/in) from `seed`; B starts at zero.
   */
  static create(config: LoraConfig, projections: readonly ProjectionSpec[], towers: readonly Tower[], seed: number): LoraAdapters {
    const chosen = projections.filter((p) => towers.includes(p.tower) && config.targets.includes(p.kind));
    return LoraAdapters.forModules(config, chosen, seed, "normal");
  }

  /**
   * Adapters for exactly `modules`, B at zero. A starts N(0, 1/in) ("normal"), or
   * U(±1/√in) as peft's kaiming_uniform_(a=√5) draws lora_A ("kaiming-uniform").
   */
  static forModules(config: LoraConfig, modules: readonly AdaptedModule[], seed: number, init: "normal" | "kaiming-uniform"): LoraAdapters {
    if (config.r <= 0) throw new Error("LoRA rank must be ≥ 1 to create adapters");
    const adapters = new LoraAdapters(config);
    const rng = new SeededRandom(seed);
    for (const p of modules) {
      const stream = rng.fork();
      const bound = 1 / Math.sqrt(p.inDim);
      const aValues =
        init === "normal"
          ? initialValues([p.inDim, config.r], { kind: "normal", std: bound }, stream)
          : Float32Array.from({ length: p.inDim * config.r }, () => stream.uniform(-bound, bound));
      const a = tf.variable(tf.tensor2d(aValues, [p.inDim, config.r]), true, `${p.name}.lora_a#${loraCounter++}`);
      const b = tf.variable(tf.zeros([config.r, p.outDim]), true, `${p.name}.lora_b#${loraCounter++}`);
      adapters.#adapters.set(p.name, { a, b, tower: p.tower });
    }
    return adapters;
  }

  /** Each adapter: projection name, A [in, r] and B [r, out]. */
  entries(): { name: string; a: tf.Variable; b: tf.Variable; tower: Tower }[] {
    return [...this.#adapters].map(([name, x]) => ({ name, a: x.a, b: x.b, tower: x.tower }));
  }

  /** Whether `projection` has an adapter. */
  has(projection: string): boolean {
    return this.#adapters.has(projection);
  }

  /** Projection names with adapters. */
  projections(): string[] {
    return [...this.#adapters.keys()];
  }

  /** All adapter variables (what the optimiser trains). */
  variables(): tf.Variable[] {
    return [...this.#adapters.values()].flatMap((x) => [x.a, x.b]);
  }

  /** Adapter variables as `<projection>.lora_a` / `.lora_b` → variable. */
  named(): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    for (const [name, x] of this.#adapters) {
      out.set(`${name}.lora_a`, x.a);
      out.set(`${name}.lora_b`, x.b);
    }
    return out;
  }

  /**
   * The adapter's contribution for input x [rows, in]; `dropoutSeed` set means training
   * (dropout active when the configured rate is above zero).
   */
  delta(projection: string, x: tf.Tensor2D, dropoutSeed?: number): tf.Tensor2D | null {
    const ad = this.#adapters.get(projection);
    if (!ad) return null;
    const input = dropoutSeed !== undefined && this.config.dropout > 0 ? (tf.dropout(x, this.config.dropout, undefined, dropoutSeed) as tf.Tensor2D) : x;
    return scale(linear(linear(input, ad.a as tf.Tensor2D), ad.b as tf.Tensor2D), this.scale);
  }

  /** W + (alpha/r)·A·B for `projection`, or null without an adapter. */
  mergedKernel(projection: string, kernel: tf.Tensor2D): tf.Tensor2D | null {
    const ad = this.#adapters.get(projection);
    if (!ad) return null;
    return tf.tidy(() => tf.add(kernel, tf.mul(tf.matMul(ad.a as tf.Tensor2D, ad.b as tf.Tensor2D), this.scale)) as tf.Tensor2D);
  }

  /** Frees the adapter variables. */
  dispose(): void {
    for (const x of this.#adapters.values()) {
      x.a.dispose();
      x.b.dispose();
    }
    this.#adapters.clear();
  }
}

let loraCounter = 0;
