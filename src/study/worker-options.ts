import { z } from "zod";
import type { StorageTraits } from "../storage/storage.ts";

/** How a study keeps running trials alive, recovers lost ones and stores checkpoints. */
export interface WorkerOptions {
  /** Seconds between heartbeats of running trials (default 10). */
  heartbeatInterval?: number;
  /** Seconds of silence after which a RUNNING trial is failed and retried (default 2 × interval). */
  gracePeriod?: number;
  /** Retries of a failed-as-stale or interrupted trial, with the same params (default 3). */
  maxRetries?: number;
  /** Keep checkpoints in this folder instead of the database. */
  checkpointDir?: string;
  /**
   * Seconds a worker and the study may lag each other: a trial's reports and attrs are
   * written in batches at most this often (all at once when it ends sooner), and the
   * cached history that ask() and shouldPrune() use may be this old (a background read
   * keeps it younger). 0 writes at once and reads storage on every call. Default 0.05 on
   * PostgreSQL, where each write and read is a round trip that other workers' load slows
   * down; 0 elsewhere.
   */
  syncInterval?: number;
}

/** WorkerOptions with defaults applied. */
export interface ResolvedWorkerOptions {
  readonly heartbeatInterval: number;
  readonly gracePeriod: number;
  readonly maxRetries: number;
  readonly checkpointDir: string | null;
  readonly syncInterval: number;
}

/** zod fields of WorkerOptions, shared by createStudy, loadStudy and study files. */
export const workerOptionsShape = {
  heartbeatInterval: z.number().positive("expected a positive number of seconds").optional(),
  gracePeriod: z.number().positive("expected a positive number of seconds").optional(),
  maxRetries: z.number().int("expected an integer").nonnegative("expected 0 or more").optional(),
  checkpointDir: z.string().min(1).optional(),
  syncInterval: z.number().nonnegative("expected 0 or more seconds").optional(),
};

/** Applies the defaults of WorkerOptions (some depend on the storage's traits). */
export function resolveWorkerOptions(o: WorkerOptions = {}, traits?: Pick<StorageTraits, "remoteRoundTrips">): ResolvedWorkerOptions {
  const heartbeatInterval = o.heartbeatInterval ?? 10;
  return {
    heartbeatInterval,
    gracePeriod: o.gracePeriod ?? 2 * heartbeatInterval,
    maxRetries: o.maxRetries ?? 3,
    checkpointDir: o.checkpointDir ?? null,
    syncInterval: o.syncInterval ?? (traits?.remoteRoundTrips ? 0.05 : 0),
  };
}
