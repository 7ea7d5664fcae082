/**
 * The captioner's named weights: one tf.Variable per tensor, tagged with the tower it
 * belongs to so freeze modes can select them. Initial values come from a SeededRandom in
 * JavaScript, so the same seed gives the same model on every backend.
 */
import * as tf from "@tensorflow/tfjs";
import { SeededRandom } from "../../../src/random/seeded-random.ts";

/** Which half of the captioner a weight belongs to. */
export type Tower = "encoder" | "decoder";

/** How a weight starts. */
export type Init = { kind: "normal"; std: number } | { kind: "zeros" } | { kind: "ones" };

/** One weight's declaration. */
export interface ParameterSpec {
  readonly name: string;
  readonly tower: Tower;
  readonly shape: readonly number[];
  readonly init: Init;
}

/** Values by name, as saved to and loaded from disk. */
export type NamedArrays = ReadonlyMap<string, { readonly shape: readonly number[]; readonly values: Float32Array }>;

/** Fills a Float32Array according to `init`. */
export function initialValues(shape: readonly number[], init: Init, rng: SeededRandom): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  if (init.kind === "ones") out.fill(1);
  else if (init.kind === "normal") for (let i = 0; i < size; i++) out[i] = rng.normal() * init.std;
  return out;
}

/** Named, tower-tagged variables. */
export class ParameterStore {
  readonly #variables = new Map<string, tf.Variable>();
  readonly #towers = new Map<string, Tower>();

  /** Creates variables for `specs`, initialised from `seed` in declaration order. */
  static create(specs: readonly ParameterSpec[], seed: number): ParameterStore {
    const store = new ParameterStore();
    const rng = new SeededRandom(seed);
    for (const spec of specs) {
      // One sub-stream per weight: adding a weight later does not shift the others.
      const values = initialValues(spec.shape, spec.init, rng.fork());
      store.add(spec.name, spec.tower, tf.tensor(values, [...spec.shape], "float32"));
    }
    return store;
  }

  /** Adds a variable holding `value` (which the store takes ownership of). */
  add(name: string, tower: Tower, value: tf.Tensor): tf.Variable {
    if (this.#variables.has(name)) throw new Error(`parameter ${name} already exists`);
    const v = tf.variable(value, true, `${name}#${variableCounter++}`);
    value.dispose();
    this.#variables.set(name, v);
    this.#towers.set(name, tower);
    return v;
  }

  /** The variable `name`; throws when missing (a config/weights mismatch). */
  get(name: string): tf.Variable {
    const v = this.#variables.get(name);
    if (!v) throw new Error(`no parameter named ${name}`);
    return v;
  }

  has(name: string): boolean {
    return this.#variables.has(name);
  }

  /** The tower of `name`. */
  tower(name: string): Tower {
    const t = this.#towers.get(name);
    if (!t) throw new Error(`no parameter named ${name}`);
    return t;
  }

  /** Names in declaration order. */
  names(): string[] {
    return [...this.#variables.keys()];
  }

  /** Names in `tower`. */
  namesIn(tower: Tower): string[] {
    return this.names().filter((n) => this.#towers.get(n) === tower);
  }

  /** Total number of scalars. */
  size(): number {
    let n = 0;
    for (const v of this.#variables.values()) n += v.size;
    return n;
  }

  /** Copies every value to JavaScript (for saving and for tests). */
  snapshot(): Map<string, { shape: number[]; values: Float32Array }> {
    const out = new Map<string, { shape: number[]; values: Float32Array }>();
    for (const [name, v] of this.#variables) out.set(name, { shape: [...v.shape], values: v.dataSync() as Float32Array });
    return out;
  }

  /** Overwrites values from `arrays`; every name must exist with the same shape. */
  assign(arrays: NamedArrays): void {
    for (const [name, { shape, values }] of arrays) {
      const v = this.get(name);
      if (v.shape.join("x") !== shape.join("x")) throw new Error(`parameter ${name}: shape ${shape.join("x")} does not match ${v.shape.join("x")}`);
      tf.tidy(() => v.assign(tf.tensor(values, [...shape], "float32")));
    }
  }

  /** Frees every variable. */
  dispose(): void {
    for (const v of this.#variables.values()) v.dispose();
    this.#variables.clear();
    this.#towers.clear();
  }
}

// tf.variable names must be unique per engine; several models may live at once.
let variableCounter = 0;
