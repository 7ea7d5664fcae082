import type { StoredCheckpoint } from "../storage/storage.ts";

/** Where trials keep their latest checkpoint: the study's database, or a folder. */
export interface CheckpointStore {
  /** Replaces the trial's checkpoint. */
  save(trial: { trialId: number; number: number }, format: "bytes" | "json", data: Uint8Array): Promise<void>;
  /** The trial's checkpoint, or null. */
  load(trial: { trialId: number; number: number }): Promise<StoredCheckpoint | null>;
}
