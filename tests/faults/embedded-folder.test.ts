import { mkdirSync, mkdtempSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { createStudy, openStorage, StorageConfigError } from "hpo";
import { freshPgliteFolder, uniqueName } from "../support/backends.ts";
import { privatePostgresUnavailable, startPrivatePostgres } from "../support/private-postgres.ts";
import { runHpo } from "../support/run-hpo.ts";

/** Every file under a folder with its size: what must not change when hpo refuses it. */
function listing(folder: string): string[] {
  return (readdirSync(folder, { recursive: true }) as string[]).sort();
}

function expectOneLine(stderr: string, message: RegExp): void {
  const lines = stderr.trim().split("\n");
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(message);
}

describe("embedded folders and databases that hold no hpo storage are refused, never initialised", { timeout: 120_000 }, () => {
  it("a storage that lost PG_VERSION: every command refuses in one line and writes nothing; restored, all trials are there", async () => {
    const folder = freshPgliteFolder();
    const name = uniqueName("lost-version");
    const study = await createStudy({ studyName: name, storage: folder });
    await study.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 5 });
    await study.close();
    renameSync(join(folder, "PG_VERSION"), join(folder, "..", "PG_VERSION.aside"));
    const before = listing(folder);
    const file = join(folder, "..", "study.ts");
    writeFileSync(file, `import { defineStudy } from "hpo";\nexport default defineStudy({ name: ${JSON.stringify(name)}, nTrials: 6, objective: (t) => t.suggestFloat("x", 0, 1) });\n`);
    for (const args of [["trials", name], ["studies"], ["export", name], ["run", file, "--quiet"]]) {
      const r = await runHpo([...args, "--storage", folder]);
      expect(r.code, args.join(" ")).toBe(1);
      expectOneLine(r.stderr, /^hpo: the embedded storage .* has lost its .*PG_VERSION file, so its database cannot be opened; hpo will not create a new one over it: restore the folder/);
      expect(listing(folder), args.join(" ")).toEqual(before);
    }
    renameSync(join(folder, "..", "PG_VERSION.aside"), join(folder, "PG_VERSION"));
    const storage = await openStorage(folder);
    try {
      const found = await storage.findStudy(name);
      expect((await storage.getTrials(found!.studyId)).trials.filter((t) => t.state === "COMPLETE")).toHaveLength(5);
    } finally {
      await storage.close();
    }
  });

  it("a folder of other files gets no database; an empty or missing one is created only by commands that write", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hpo-not-storage-"));
    const other = join(dir, "photos");
    mkdirSync(other);
    writeFileSync(join(other, "holiday.txt"), "not a database");
    for (const args of [["studies"], ["trials", "x"]]) {
      const r = await runHpo([...args, "--storage", other]);
      expect(r.code).toBe(1);
      expectOneLine(r.stderr, /holds files but no hpo storage \(no PG_VERSION\); hpo will not write a database into it/);
    }
    await expect(openStorage(other)).rejects.toBeInstanceOf(StorageConfigError);
    expect(readdirSync(other)).toEqual(["holiday.txt"]);

    const empty = join(dir, "empty");
    mkdirSync(empty);
    const r = await runHpo(["studies", "--storage", empty]);
    expect(r.code).toBe(1);
    expectOneLine(r.stderr, /no hpo storage at .*empty: the folder is empty/);
    expect(readdirSync(empty)).toEqual([]);
    // A command that writes creates the storage in an empty folder, as in a new one.
    const storage = await openStorage(empty);
    await storage.close();
    expect(readdirSync(empty)).toContain("PG_VERSION");
  });

  const noServer = privatePostgresUnavailable();
  it.runIf(!noServer)(`a PostgreSQL database without hpo's tables is not given them by a read-only command${noServer ? ` (skipped: ${noServer})` : ""}`, async () => {
    const server = await startPrivatePostgres();
    try {
      for (const args of [["studies"], ["trials", "x"], ["export", "x"]]) {
        const r = await runHpo([...args, "--storage", server.url]);
        expect(r.code, args.join(" ")).toBe(1);
        expectOneLine(r.stderr, /^hpo: no hpo storage in the PostgreSQL database .* \(it has no hpo tables; run a study there first\)$/);
      }
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      try {
        const tables = await client.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
        expect(tables.rows).toEqual([]);
      } finally {
        await client.end();
      }
    } finally {
      server.stop();
    }
  });
});
