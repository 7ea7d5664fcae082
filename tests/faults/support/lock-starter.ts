// One of several processes racing for the PGlite folder locks of a lock-race test.
// usage: tsx lock-starter.ts <base folder> <rounds> <slot ms>
// Prints "ready", reads the common start time (ms since epoch) from stdin, then in round i
// spins until start + i × slot and takes the lock of <base>/<i>; prints one JSON array of
// "won" or "refused: <message>" and keeps every lock it won until it is sent SIGTERM (so a
// slow starter never finds a lock that was released, rather than taken over).
import { join } from "node:path";
import { PgliteFolderLock } from "../../../src/storage/sql/pglite-folder-lock.ts";

const [base, rounds, slot] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
process.stdout.write("ready\n");
let input = "";
process.stdin.on("data", (d) => (input += d));
process.stdin.on("end", () => {
  const start = Number(input.trim());
  const results: string[] = [];
  const held: PgliteFolderLock[] = [];
  for (let i = 0; i < rounds; i++) {
    const at = start + i * slot;
    while (Date.now() < at) {
      // Spinning, not sleeping: every starter leaves the barrier within the same millisecond.
    }
    try {
      held.push(PgliteFolderLock.acquire(join(base, String(i))));
      results.push("won");
    } catch (e) {
      results.push(`refused: ${(e as Error).message}`);
    }
  }
  process.stdout.write(`${JSON.stringify(results)}\n`);
  const keepAlive = setInterval(() => held.length, 1000);
  process.on("SIGTERM", () => {
    clearInterval(keepAlive);
    process.exit(0);
  });
});
