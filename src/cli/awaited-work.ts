import type { Objective } from "../study/objective.ts";
import type { Tracker } from "../tracking/tracker.ts";

/**
 * What the CLI is waiting for that user code controls (a study file's top level, an
 * objective, a tracker), by name. When Node finds nothing left that could settle what is
 * awaited, it would exit silently with code 13; the CLI then says which of these never
 * settled instead (see process-exit.ts).
 */
const awaited = new Map<number, string>();
let nextId = 0;

/** Awaits `work`, remembering `label` until it settles. */
export function awaitLabelled<T>(label: string, work: PromiseLike<T>): Promise<T> {
  const id = nextId++;
  awaited.set(id, label);
  return Promise.resolve(work).finally(() => awaited.delete(id));
}

/** What is awaited now, oldest first. */
export function awaitedWork(): string[] {
  return [...awaited.values()];
}

/** The objective, with each trial's pending result remembered by name. */
export function labelledObjective(objective: Objective): Objective {
  return (trial) => {
    const result = objective(trial);
    return isThenable(result) ? awaitLabelled(`the objective of trial ${trial.number}`, result) : result;
  };
}

const HOOKS = ["onStudyStart", "onTrialStart", "onReport", "onTrialFinish", "onStudyEnd", "close"] as const;

/** The tracker, with each of its pending hooks (and close) remembered by name. */
export function labelledTracker(tracker: Tracker): Tracker {
  const wrapped: Record<string, unknown> = { name: tracker.name, reportsFailures: tracker.reportsFailures };
  for (const hook of HOOKS) {
    const fn = tracker[hook] as ((event?: unknown) => unknown) | undefined;
    if (typeof fn !== "function") continue;
    wrapped[hook] = (event?: unknown) => {
      const result = fn.call(tracker, event);
      return isThenable(result) ? awaitLabelled(`tracker "${tracker.name}" ${hook}()`, result) : result;
    };
  }
  return wrapped as unknown as Tracker;
}


/** What to do before exiting when awaited work can never settle; each says what it did. */
const stuckHandlers = new Set<() => Promise<string | null>>();

/**
 * Registers what to do (mark trials FAIL, close the study) if the process finds that what it
 * awaits can never settle; returns the function that unregisters it.
 */
export function onStuck(handler: () => Promise<string | null>): () => void {
  stuckHandlers.add(handler);
  return () => stuckHandlers.delete(handler);
}

/** Runs the registered handlers; resolves to what they did. */
export async function settleStuckWork(): Promise<string[]> {
  const done: string[] = [];
  for (const handler of [...stuckHandlers]) {
    try {
      const what = await handler();
      if (what) done.push(what);
    } catch (e) {
      done.push(`(cleaning up failed: ${(e as Error)?.message ?? String(e)})`);
    }
  }
  return done;
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return typeof (x as PromiseLike<unknown> | null)?.then === "function";
}
