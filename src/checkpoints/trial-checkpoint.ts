import { decodeJson, encodeJson } from "../storage/json-codec.ts";
import type { AttrValue } from "../vocabulary/frozen-trial.ts";
import type { CheckpointStore } from "./checkpoint-store.ts";

/** What a checkpoint holds: raw bytes (model weights) or a JSON-compatible object. */
export type CheckpointData = Uint8Array | AttrValue;

/** Finds the trial a retry replaced (by its number), so a retry can resume from it. */
export type PredecessorLookup = (trialNumber: number) => Promise<{ trialId: number; number: number; retryOf: number | null } | null>;

/**
 * A trial's checkpoint handle (`trial.checkpoint`): `save` replaces the latest checkpoint,
 * `load` returns it — or, for a retried trial without one yet, its predecessor's, so
 * training continues from the last saved epoch instead of starting over.
 *
 * @example
 * const state = await trial.checkpoint.load(); // null on a fresh trial
 * await trial.checkpoint.save({ epoch, weights: [...] });
 */
export class TrialCheckpoint {
  readonly #store: CheckpointStore;
  readonly #self: { trialId: number; number: number; retryOf: number | null };
  readonly #lookup: PredecessorLookup;

  /** @internal Created by Trial. */
  constructor(store: CheckpointStore, self: { trialId: number; number: number; retryOf: number | null }, lookup: PredecessorLookup) {
    this.#store = store;
    this.#self = self;
    this.#lookup = lookup;
  }

  /** Saves bytes as they are, anything else as JSON (NaN and ±Infinity preserved). */
  async save(data: CheckpointData): Promise<void> {
    if (data instanceof Uint8Array) await this.#store.save(this.#self, "bytes", data);
    else await this.#store.save(this.#self, "json", new TextEncoder().encode(encodeJson(data)));
  }

  /** The latest checkpoint of this trial or, failing that, of the trials it retries; else null. */
  async load<T extends CheckpointData = CheckpointData>(): Promise<T | null> {
    let current: { trialId: number; number: number; retryOf: number | null } | null = this.#self;
    const seen = new Set<number>();
    while (current && !seen.has(current.number)) {
      seen.add(current.number);
      const stored = await this.#store.load(current);
      if (stored) {
        return (stored.format === "bytes" ? stored.data : decodeJson(new TextDecoder().decode(stored.data))) as T;
      }
      current = current.retryOf === null ? null : await this.#lookup(current.retryOf);
    }
    return null;
  }
}
