// The measuring parts of the Optuna side-by-side benchmarks: the round-trip counter on a
// real PostgreSQL, the backend CPU arithmetic, and how a missing Optuna is reported.
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { optunaPeers } from "../../bench/_optuna-peer.ts";
import { PgWireCounter, wireCountsBetween } from "../../bench/_pg-wire-counter.ts";
import { backendCpuBetween } from "../../bench/_postgres-backend-cpu.ts";

const url = process.env.HPO_TEST_DATABASE_URL;

describe.skipIf(!url)("PgWireCounter (PostgreSQL)", () => {
  it("counts one round trip per simple query and per extended-protocol query, none for the startup", async () => {
    const target = new URL(url!);
    const relay = await PgWireCounter.start({ host: target.hostname, port: Number(target.port || 5432) });
    try {
      const through = new URL(url!);
      through.hostname = "127.0.0.1";
      through.port = String(relay.port);
      const client = new pg.Client({ connectionString: through.toString() });
      await client.connect();
      const before = relay.snapshot();
      await client.query("SELECT 1"); // simple protocol: Query
      await client.query("SELECT $1::int AS x", [2]); // extended: Parse, Bind, Describe, Execute, Sync
      await client.query("BEGIN; SELECT 3; COMMIT"); // one Query, several statements
      const counts = wireCountsBetween(before, relay.snapshot());
      await client.end();
      expect(counts.roundTrips).toBe(3);
      expect(counts.messages).toBe(1 + 5 + 1);
      expect(counts.connections).toBe(0);
      expect(relay.counts.connections).toBe(1);
      expect(counts.bytesToClient).toBeGreaterThan(0);
    } finally {
      await relay.close();
    }
  });
});

describe("backendCpuBetween", () => {
  it("sums per-backend increases, counts new backends in full and forgets ones that exited", () => {
    const before = new Map([
      [10, 1.5],
      [11, 2.0],
      [12, 9.0],
    ]);
    const after = new Map([
      [10, 1.75],
      [11, 2.0],
      [13, 0.25],
    ]);
    expect(backendCpuBetween(before, after)).toBeCloseTo(0.5, 12);
  });
});

describe("optunaPeers", () => {
  it("says how to get Optuna 4.9 when no source folder is given or the folder is not one", () => {
    const saved = process.env.HPO_OPTUNA_SRC;
    delete process.env.HPO_OPTUNA_SRC;
    try {
      const none = optunaPeers(["4.9"], undefined);
      expect(none.peers).toEqual([]);
      expect(none.missing[0]).toMatch(/--optuna-src DIR or set HPO_OPTUNA_SRC/);
      const empty = mkdtempSync(join(tmpdir(), "hpo-optuna-src-"));
      const wrong = optunaPeers(["4.9"], empty);
      expect(wrong.missing[0]).toContain(`${empty}/optuna/__init__.py not found`);
    } finally {
      if (saved !== undefined) process.env.HPO_OPTUNA_SRC = saved;
    }
  });

  it("puts a source folder on PYTHONPATH for 4.9 and keeps any PYTHONPATH away from Debian's 3.1", () => {
    const src = mkdtempSync(join(tmpdir(), "hpo-optuna-src-"));
    mkdirSync(join(src, "optuna"));
    writeFileSync(join(src, "optuna", "__init__.py"), "");
    const saved = process.env.PYTHONPATH;
    process.env.PYTHONPATH = "/somewhere/else";
    try {
      const { peers, missing } = optunaPeers(["3.1", "4.9"], src);
      expect(missing).toEqual([]);
      expect(peers.map((p) => p.label)).toEqual(["3.1", "4.9"]);
      expect(peers[0].env.PYTHONPATH).toBeUndefined();
      expect(peers[1].env.PYTHONPATH).toBe(src);
      expect(peers[1].env.OPENBLAS_NUM_THREADS).toBe("1");
    } finally {
      if (saved === undefined) delete process.env.PYTHONPATH;
      else process.env.PYTHONPATH = saved;
    }
  });

  it("rejects a version it does not know", () => {
    expect(() => optunaPeers(["2.10"], undefined)).toThrow(/unknown version "2.10"/);
  });
});
