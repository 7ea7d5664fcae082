import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** A PostgreSQL server of the test's own, so a test may restart it without disturbing others. */
export interface PrivatePostgres {
  readonly url: string;
  restart(): void;
  /**
   * kill -9 of the postmaster, as a crash: its backends exit without writing what they
   * held in memory (asynchronous commits not yet on disk are lost); then starts it again
   * (crash recovery) once they are gone.
   */
  crash(options?: { downMs?: number }): Promise<void>;
  stop(): void;
}

function binDir(): string | null {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const version = readdirSync(root).sort().at(-1);
  return version ? join(root, version, "bin") : null;
}

/** Why a private server cannot run here, or null when it can (needs PostgreSQL binaries and root for runuser). */
export function privatePostgresUnavailable(): string | null {
  if (!binDir()) return "PostgreSQL server binaries not installed";
  if (process.getuid?.() !== 0) return "needs root to run the server as the postgres user";
  return spawnSync("id", ["postgres"]).status === 0 ? null : "no postgres user";
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

/**
 * initdb + start a throwaway cluster on a free loopback port (fsync off: test data only).
 * With `password`, the postgres user has that password and every connection must give it
 * (SCRAM); the URL carries no password.
 */
export async function startPrivatePostgres(options: { password?: string } = {}): Promise<PrivatePostgres> {
  const bin = binDir()!;
  const dir = mkdtempSync(join(tmpdir(), "hpo-pg-"));
  chmodSync(dir, 0o777);
  const data = join(dir, "data");
  const port = await freePort();
  const asPostgres = (cmd: string, args: string[]) => execFileSync("runuser", ["-u", "postgres", "--", join(bin, cmd), ...args], { stdio: "pipe" });
  let auth = ["-A", "trust"];
  if (options.password !== undefined) {
    const pwfile = join(dir, "pwfile");
    writeFileSync(pwfile, options.password);
    chmodSync(pwfile, 0o644);
    auth = ["-A", "scram-sha-256", `--pwfile=${pwfile}`];
  }
  asPostgres("initdb", ["-D", data, ...auth, "-U", "postgres", "--no-sync"]);
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  const start = () => asPostgres("pg_ctl", ["-D", data, "-o", opts, "-l", join(dir, "log"), "-w", "start"]);
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    crash: async ({ downMs = 500 } = {}) => {
      const pid = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
      process.kill(pid, "SIGKILL");
      await sleep(downMs);
      // Orphaned backends notice the postmaster's death and exit; until they have, a new
      // postmaster refuses to start (their shared memory is still attached).
      for (let tries = 0; ; tries++) {
        try {
          start();
          return;
        } catch (e) {
          if (tries > 100) throw e;
          await sleep(200);
        }
      }
    },
    restart: () => {
      asPostgres("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
      start();
    },
    stop: () => {
      try {
        asPostgres("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
