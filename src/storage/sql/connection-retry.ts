import { isConnectionError } from "./connection-errors.ts";

/** How {@link retryWhileConnectionLost} waits and whom it tells. */
export interface ConnectionRetryOptions {
  /** Give up (rethrow) once the next wait would end after this many ms from the start. */
  timeoutMs: number;
  /** Called for every attempt that failed on a lost connection, before waiting. */
  onLoss?: (e: Error, attempt: number) => void;
  /** Give up at once when this says so (e.g. the storage was closed meanwhile). */
  stopped?: () => boolean;
}

/**
 * Runs `fn` and runs it again, with exponential backoff (200 ms doubling to 5 s), while it
 * fails because the server went away (restart, failover, terminated backend, network cut).
 * Any other error, or the deadline, ends it with the error. `fn` must be safe to repeat.
 */
export async function retryWhileConnectionLost<T>(fn: (attempt: number) => Promise<T>, options: ConnectionRetryOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let delay = 200;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (!isConnectionError(e)) throw e;
      if (Date.now() + delay > deadline || options.stopped?.()) throw e;
      options.onLoss?.(e as Error, attempt);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(5000, delay * 2);
    }
  }
}
