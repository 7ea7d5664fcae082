/**
 * Work the process must let finish before it exits on its own, such as programs given their
 * grace period to stop after SIGTERM. The CLI exits explicitly once its command is done (an
 * interrupted objective may hold timers or sockets forever); it first waits for these, so
 * that exiting does not cut them short (process exit SIGKILLs every program still alive).
 */
interface ExitHold {
  readonly label: string;
  readonly done: Promise<unknown>;
}

const holds = new Set<ExitHold>();

/**
 * Keeps the CLI from exiting until `done` settles; `label` says what it waits for.
 *
 * @example
 * holdExitUntil("the program of trial 3 (grace period 10 s)", group.terminate(10_000));
 */
export function holdExitUntil(label: string, done: Promise<unknown>): void {
  const hold: ExitHold = { label, done };
  holds.add(hold);
  const release = () => holds.delete(hold);
  done.then(release, release);
}

/** Resolves once every hold has settled (holds added meanwhile included); `onWait` hears what is awaited first. */
export async function waitForExitHolds(onWait?: (labels: readonly string[]) => void): Promise<void> {
  if (holds.size > 0) onWait?.([...holds].map((h) => h.label));
  while (holds.size > 0) await Promise.allSettled([...holds].map((h) => h.done));
}
