import { setTimeout as sleep } from "node:timers/promises";
import { holdExitUntil } from "../../src/internal/exit-holds.ts";
import { forgetGroup, reapIfRunnerDies } from "./orphan-reaper.ts";
import type { ProcessGroup } from "./process-group.ts";

/** Signals after which the runner must not leave a child behind. */
const SHUTDOWN_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
type ShutdownSignal = (typeof SHUTDOWN_SIGNALS)[number];

/** Every live process group this process started, with its grace period. */
const live = new Map<ProcessGroup, number>();
let installed = false;
let shuttingDown = false;
/** Set while a shutdown waits for the groups: what to do once they are gone. */
let finishShutdown: (() => void) | null = null;

/**
 * Tracks a live process group so that the runner's exit, SIGINT, SIGTERM or SIGHUP kills
 * it too (no orphaned training run holding a GPU), and so does the runner's death by
 * SIGKILL (see orphan-reaper.ts). Returns the function that stops tracking it, to call
 * once the group is gone.
 *
 * The handlers are installed only while some group is live, so the process's default
 * behaviour on Ctrl-C is untouched the rest of the time.
 */
export function trackProcessGroup(group: ProcessGroup, gracePeriodMs: number): () => void {
  if (shuttingDown) group.signal("SIGKILL"); // started in the race with a shutdown
  live.set(group, gracePeriodMs);
  reapIfRunnerDies(group.pgid, gracePeriodMs);
  install();
  return () => {
    live.delete(group);
    forgetGroup(group.pgid);
    if (live.size > 0) return;
    // During a shutdown, the last group gone ends it at once: re-raising the signal now
    // beats the failed trials' errors to the runner's exit.
    if (shuttingDown) finishShutdown?.();
    else uninstall();
  };
}

/** Whether a shutdown signal arrived: no new program should start. */
export function isShuttingDown(): boolean {
  return shuttingDown;
}

/** The number of live process groups tracked (for tests and diagnostics). */
export function liveProcessGroupCount(): number {
  return live.size;
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on("exit", killAllNow);
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, onShutdownSignal);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.off("exit", killAllNow);
  for (const signal of SHUTDOWN_SIGNALS) process.off(signal, onShutdownSignal);
}

/** On exit nothing asynchronous runs any more: SIGKILL is the only sure way. */
function killAllNow(): void {
  for (const group of live.keys()) group.signal("SIGKILL");
}

/**
 * SIGTERM to every group, their grace period, SIGKILL to what is left; then, when no one
 * else listens for the signal, re-raise it so the runner ends as it would have without us.
 * A second signal during the grace period kills at once.
 */
function onShutdownSignal(signal: ShutdownSignal): void {
  if (shuttingDown) {
    killAllNow();
    return;
  }
  shuttingDown = true;
  const othersListen = process.listenerCount(signal) > 1;
  const groups = [...live.entries()];
  let finished = false;
  finishShutdown = () => {
    if (finished) return;
    finished = true;
    finishShutdown = null;
    killAllNow();
    uninstall();
    if (!othersListen && process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  for (const [group] of groups) group.signal("SIGTERM");
  if (live.size === 0) {
    finishShutdown();
    return;
  }
  const grace = Math.max(0, ...groups.map(([, ms]) => ms));
  const waiting = (async () => {
    const deadline = Date.now() + grace;
    while (!finished && Date.now() < deadline && groups.some(([group]) => group.isAlive())) await sleep(25);
    finishShutdown?.();
  })();
  holdExitUntil(`${groups.length} command program(s) to stop (grace period ${grace} ms)`, waiting);
}
