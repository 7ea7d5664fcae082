/**
 * CPU time of the PostgreSQL backends that serve one database, read from /proc (the server
 * runs on this machine). Only that database's backends count, so other users of a shared
 * server do not show up in a benchmark's figures; the WAL writer and checkpointer, which
 * serve every database, are left out, as are backends that exit between two samples.
 */
import { readFileSync } from "node:fs";
import pg from "pg";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** utime + stime of a process in seconds, or null once it is gone. */
function processCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** A snapshot: CPU seconds per backend pid. */
export type BackendCpu = Map<number, number>;

/** Samples the CPU time of one database's backends (this sampler's own connection excluded). */
export class PostgresBackendCpu {
  readonly #client: pg.Client;
  #readable = true;

  private constructor(client: pg.Client) {
    this.#client = client;
  }

  /** Connects to `url`; its database is the one whose backends are sampled. */
  static async open(url: string): Promise<PostgresBackendCpu> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    return new PostgresBackendCpu(client);
  }

  /** CPU seconds per backend of the database now; empty where /proc does not show them. */
  async sample(): Promise<BackendCpu> {
    const out: BackendCpu = new Map();
    if (!this.#readable) return out;
    const { rows } = await this.#client.query<{ pid: number }>(
      "select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()",
    );
    for (const { pid } of rows) {
      const s = processCpuSeconds(pid);
      if (s !== null) out.set(pid, s);
    }
    if (rows.length > 0 && out.size === 0) this.#readable = false;
    return out;
  }

  /** Whether /proc shows the backends (false: the server runs elsewhere or is hidden). */
  get readable(): boolean {
    return this.#readable;
  }

  async close(): Promise<void> {
    await this.#client.end();
  }
}

/** CPU seconds the backends used between two samples (backends new in `after` count in full). */
export function backendCpuBetween(before: BackendCpu, after: BackendCpu): number {
  let total = 0;
  for (const [pid, s] of after) total += s - (before.get(pid) ?? 0);
  return total;
}
