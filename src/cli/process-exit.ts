import { waitForExitHolds } from "../internal/exit-holds.ts";
import { terminalSafe } from "../internal/terminal-text.ts";
import { awaitedWork, settleStuckWork } from "./awaited-work.ts";

/**
 * Ends the process with `code` once what must finish first has (programs in their grace
 * period after an interrupt: exiting would SIGKILL them) and everything written to stdout
 * and stderr was handed to the operating system (through a pipe whose reader is slower
 * than hpo, writes queue in the process; exiting at once would cut the output at a
 * multiple of the pipe's buffer).
 */
export async function exitWhenDone(code: number): Promise<never> {
  await waitForExitHolds((labels) => {
    process.stderr.write(`hpo: waiting for ${labels.map((l) => terminalSafe(l)).join("; ")} (Ctrl-C again stops them now)\n`);
  });
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  process.exit(code);
}

function drained(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.writableLength === 0 || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    // A reader that went away (EPIPE) will never take the rest: nothing to wait for.
    stream.once("error", () => resolve());
    stream.write("", () => resolve());
  });
}

/**
 * Watches for the event loop emptying while the CLI still awaits something: a promise that
 * can never settle (nothing is left — timer, socket, child — that could settle it). Node
 * would exit with code 13 and say nothing; this runs the registered clean-up (the running
 * trials are marked FAIL, so the next run does not retry them into the same hang), prints
 * what was awaited and exits 1. Returns the function that stops watching.
 */
export function reportWorkThatNeverSettles(write: (line: string) => void = (l) => process.stderr.write(l)): () => void {
  let reporting = false;
  const onEmptyLoop = () => {
    if (reporting) return; // the clean-up's own I/O empties the loop again when it is done
    reporting = true;
    const what = awaitedWork();
    const waitingFor = what.length > 0 ? what.map((w) => terminalSafe(w)).join("; ") : "a promise of the command itself";
    void settleStuckWork().then(async (done) => {
      write(
        `hpo: stopped: waiting for ${waitingFor}, which can never finish: it waits on a promise that never resolves or rejects, ` +
          `and nothing is left (no timer, socket or child process) that could settle it${done.length ? `; ${done.join("; ")}` : ""}\n`,
      );
      await exitWhenDone(1);
    });
  };
  process.on("beforeExit", onEmptyLoop);
  return () => process.off("beforeExit", onEmptyLoop);
}
