import type { ParamValue } from "../vocabulary/distribution.ts";
import type { AttrValue, FrozenTrial } from "../vocabulary/frozen-trial.ts";

/** System attrs of a retry: same params (as fixed params), linked to the trial it replaces. */
export interface RetryPlan {
  readonly systemAttrs: Record<string, AttrValue>;
}

/**
 * Plans the retry of a failed trial, or null when its chain used up `maxRetries`. Every
 * storage builds retries this way, so the links read the same everywhere: `retry_of` (the
 * failed trial's number), `retry_root` (the original) and `retry_count`.
 */
export function planRetry(failed: FrozenTrial, maxRetries: number): RetryPlan | null {
  const previous = typeof failed.systemAttrs.retry_count === "number" ? failed.systemAttrs.retry_count : 0;
  const count = previous + 1;
  if (count > maxRetries) return null;
  const root = typeof failed.systemAttrs.retry_root === "number" ? failed.systemAttrs.retry_root : failed.number;
  const fixed: Record<string, ParamValue> = { ...failed.params };
  // Params enqueued but never suggested (a crash before the first suggest) carry over too.
  const enqueued = failed.systemAttrs.fixed_params;
  if (enqueued && typeof enqueued === "object" && !Array.isArray(enqueued)) {
    for (const [k, v] of Object.entries(enqueued)) if (!(k in fixed)) fixed[k] = v as ParamValue;
  }
  return { systemAttrs: { fixed_params: fixed as Record<string, AttrValue>, retry_of: failed.number, retry_root: root, retry_count: count } };
}
