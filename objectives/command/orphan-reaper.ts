import { spawn, type ChildProcess } from "node:child_process";
import type { Socket } from "node:net";

/**
 * The watchdog, in POSIX sh (a few hundred KB, where a node process would take tens of MB):
 * it reads "+<pgid>:<grace seconds>" and "-<pgid>" lines from the runner, and when its
 * stdin ends without the runner having told it every group is gone (the runner died, even
 * by kill -9) it SIGTERMs the groups left, waits their grace period while any lives, and
 * SIGKILLs them. It ignores the terminal's SIGINT and SIGHUP: only its pipe ends it.
 */
const WATCHDOG = `
trap '' INT HUP
groups=""
while IFS= read -r line; do
  case "$line" in
    "+"*) groups="$groups \${line#+}" ;;
    "-"*) gone="\${line#-}"; kept=""
          for g in $groups; do [ "\${g%:*}" = "$gone" ] || kept="$kept $g"; done
          groups="$kept" ;;
  esac
done
[ -n "$groups" ] || exit 0
wait=0
for g in $groups; do
  kill -s TERM -- "-\${g%:*}" 2>/dev/null
  [ "\${g#*:}" -gt "$wait" ] && wait="\${g#*:}"
done
while [ "$wait" -gt 0 ]; do
  alive=""
  for g in $groups; do kill -s 0 -- "-\${g%:*}" 2>/dev/null && alive=1; done
  [ -n "$alive" ] || exit 0
  sleep 1
  wait=$((wait - 1))
done
for g in $groups; do kill -s KILL -- "-\${g%:*}" 2>/dev/null; done
`;

let watchdog: ChildProcess | null = null;
let unavailable = false;

/**
 * Makes sure the process groups this runner starts do not outlive it, even when it is
 * killed with SIGKILL (which no handler sees): a watchdog process holds a pipe from the
 * runner, and the pipe's end is its signal. A program that prints nothing would otherwise
 * never notice its runner is gone (it only learns of it from EPIPE on its next print).
 */
export function reapIfRunnerDies(pgid: number, gracePeriodMs: number): void {
  const dog = ensureWatchdog();
  dog?.stdin?.write(`+${pgid}:${Math.max(1, Math.ceil(gracePeriodMs / 1000))}\n`);
}

/** The group is gone (or killed by the runner itself): the watchdog forgets it. */
export function forgetGroup(pgid: number): void {
  watchdog?.stdin?.write(`-${pgid}\n`);
}

function ensureWatchdog(): ChildProcess | null {
  if (watchdog || unavailable) return watchdog;
  try {
    const dog = spawn("/bin/sh", ["-c", WATCHDOG], { detached: true, stdio: ["pipe", "ignore", "ignore"] });
    dog.on("error", () => {
      // No /bin/sh: the runner still kills its groups on every exit it sees.
      unavailable = true;
      watchdog = null;
    });
    dog.stdin!.on("error", () => undefined);
    // Neither the watchdog nor its pipe may keep the runner alive.
    dog.unref();
    (dog.stdin as unknown as Socket).unref();
    watchdog = dog;
  } catch {
    unavailable = true;
  }
  return watchdog;
}
