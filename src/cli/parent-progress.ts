import type { Tracker } from "../tracking/tracker.ts";

/** Set by `hpo run --workers` on its worker processes when its own progress shows failures. */
export const PARENT_REPORTS_FAILURES_ENV = "HPO_PARENT_REPORTS_FAILURES";

/**
 * In a worker whose parent's progress prints each failure's reason (read from the storage),
 * a tracker that only says so, so that the worker's study does not print it a second time.
 */
export function parentProgressTrackers(env: NodeJS.ProcessEnv): Tracker[] {
  return env[PARENT_REPORTS_FAILURES_ENV] === "1" ? [{ name: "parent-progress", reportsFailures: true }] : [];
}
