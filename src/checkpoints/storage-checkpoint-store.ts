import type { Storage, StoredCheckpoint } from "../storage/storage.ts";
import type { CheckpointStore } from "./checkpoint-store.ts";

/** Checkpoints in the study's own database (the default): every worker on every machine sees them. */
export class StorageCheckpointStore implements CheckpointStore {
  readonly #storage: Storage;

  constructor(storage: Storage) {
    this.#storage = storage;
  }

  /** Stores the checkpoint in the hpo_checkpoints table. */
  save(trial: { trialId: number }, format: "bytes" | "json", data: Uint8Array): Promise<void> {
    return this.#storage.saveCheckpoint(trial.trialId, format, data);
  }

  /** Reads the checkpoint from the hpo_checkpoints table. */
  load(trial: { trialId: number }): Promise<StoredCheckpoint | null> {
    return this.#storage.loadCheckpoint(trial.trialId);
  }
}
