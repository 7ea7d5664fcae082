import { randomBytes } from "node:crypto";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openStorage } from "hpo";
import { freshPgliteFolder } from "../support/backends.ts";
import { studyFiles } from "../support/study-files.ts";
import { privatePostgresUnavailable, startPrivatePostgres } from "../support/private-postgres.ts";
import { runHpo } from "../support/run-hpo.ts";

// Issue 17, defect 13 (outside storage): each bad input is one clear line, before anything is
// created; names cannot drive the terminal; a storage cannot choose what code runs.

const files = studyFiles("hostile");
const dir = files.dir;
const studyFile = files.write;
afterAll(() => files.cleanup());

const PLAIN = studyFile("plain", `export default defineStudy({ name: "plain", direction: "minimize", nTrials: 2, objective: (t) => t.suggestFloat("x", 0, 1) });`);

describe("bad input on the command line", { timeout: 120_000 }, () => {
  it("refuses --n-trials that is empty, too large or not an integer, creating nothing", async () => {
    const folder = join(dir, "never-created");
    for (const bad of ["", "99999999999", "1e3", "-1", "abc"]) {
      const result = await runHpo(["run", PLAIN, "--storage", folder, `--n-trials=${bad}`]);
      expect(result.stderr).toBe(`hpo: --n-trials expects an integer from 0 to 2147483647, got ${JSON.stringify(bad)}\n`);
      expect(result.code).toBe(2);
    }
    expect(existsSync(folder)).toBe(false);
  });

  it("says a 10 KB study name is over the 512-character limit", async () => {
    const file = studyFile("long-name", `export default defineStudy({ name: ${JSON.stringify("n".repeat(10_000))}, direction: "minimize", objective: () => 1 });`);
    const result = await runHpo(["run", file, "--storage", "memory"]);
    expect(result.stderr).toBe(`hpo: ${file}: defineStudy: name: expected at most 512 characters, got 10000\n`);
    expect(result.code).toBe(1);
  });
});

describe("names and values reaching the terminal", { timeout: 120_000 }, () => {
  it("shows control characters as escapes, and cuts a 10 MB attr in the summary", async () => {
    const esc = "\\u001b]0;pwned\\u0007\\u001b[2J";
    const file = studyFile(
      "escapes",
      `export default defineStudy({ name: "esc${esc}", direction: "minimize", nTrials: 2, objective: (t) => {
        const x = t.suggestFloat("lr${esc}", 0, 1);
        t.suggestCategorical("kind", ["a${esc}"]);
        t.setUserAttr("blob", "b".repeat(10_000_000));
        t.setUserAttr("note${esc}", "line1\\nhpo: fake line");
        return x;
      } });`,
    );
    const folder = freshPgliteFolder();
    const run = await runHpo(["run", file, "--storage", folder]);
    expect(run.code).toBe(0);
    expect(run.stderr).not.toMatch(/[\u001b\u0007]/);
    expect(run.stderr).toContain('study "esc\\x1b]0;pwned\\x07\\x1b[2J"');
    expect(run.stderr).toMatch(/lr\\x1b\]0;pwned\\x07\\x1b\[2J=/);
    expect(run.stderr).toContain("… (10000000 characters)");
    expect(run.stderr).not.toMatch(/^hpo: fake line/m);
    expect(run.stderr.length).toBeLessThan(20_000);

    const table = await runHpo(["trials", `esc${JSON.parse(`"${esc}"`)}`, "--storage", folder]);
    expect(table.code).toBe(0);
    expect(table.stdout).not.toMatch(/[\u001b\u0007]/);
    expect(table.stdout).toContain("lr\\x1b]0;pwned\\x07\\x1b[2J");
    rmSync(join(folder, ".."), { recursive: true, force: true });
  });
});

describe("hpo resume", { timeout: 180_000 }, () => {
  it("runs only a study file the user gives (or agrees to at a terminal), never one the storage names by itself", async () => {
    const marker = join(dir, "evil-ran");
    const evil = studyFile("evil", `import { writeFileSync } from "node:fs";\nwriteFileSync(${JSON.stringify(marker)}, "ran");\nexport default defineStudy({ name: "resumable", direction: "minimize", objective: () => 0 });`);
    const good = studyFile("resumable", `export default defineStudy({ name: "resumable", direction: "minimize", nTrials: 2, objective: (t) => t.suggestFloat("x", 0, 1) });`);
    const folder = freshPgliteFolder();
    expect((await runHpo(["run", good, "--storage", folder, "--n-trials", "1", "--quiet"])).code).toBe(0);
    // Someone with write access to the storage points the study at another file.
    const storage = await openStorage(folder);
    const study = (await storage.findStudy("resumable"))!;
    await storage.setStudyAttrs(study.studyId, "system", { study_file: evil });
    await storage.close();

    const refused = await runHpo(["resume", "resumable", "--storage", folder]);
    expect(refused.stderr).toBe(`hpo: study "resumable" was last run from ${evil} (as its storage records); to run that file, give it on the command line: hpo resume resumable ${evil}\n`);
    expect(refused.code).toBe(2);
    expect(existsSync(marker)).toBe(false);

    // At a terminal hpo asks; "no" runs nothing.
    const asked = await runHpo(["resume", "resumable", "--storage", folder], { tty: "n\n" });
    expect(asked.stdout + asked.stderr).toMatch(/was last run from .*evil\.ts \(as its storage records\)\. Run that file\? \[y\/N\]/);
    expect(existsSync(marker)).toBe(false);

    const other = studyFile("other", `export default defineStudy({ name: "other", direction: "minimize", objective: () => 0 });`);
    const wrong = await runHpo(["resume", "resumable", other, "--storage", folder]);
    expect(wrong.stderr).toBe(`hpo: ${other} defines study "other", not "resumable"\n`);
    expect(wrong.code).toBe(1);

    const resumed = await runHpo(["resume", "resumable", good, "--storage", folder, "--quiet", "--n-trials", "2"]);
    expect(resumed.stderr).toMatch(/1 trial\(s\) already finished, budget 2/);
    expect(resumed.code).toBe(0);
    expect(existsSync(marker)).toBe(false);

    // The recorded file is now the good one again (hpo run recorded it); "y" at the terminal runs it.
    const agreed = await runHpo(["resume", "resumable", "--storage", folder, "--quiet", "--n-trials", "3"], { tty: "y\n" });
    expect(agreed.stdout).toMatch(/2 trial\(s\) already finished, budget 3/);
    expect(agreed.code).toBe(0);
    rmSync(join(folder, ".."), { recursive: true, force: true });
  });
});

describe("storage that cannot be opened: one line naming what to do", { timeout: 180_000 }, () => {
  it("a damaged embedded folder", async () => {
    const folder = freshPgliteFolder();
    writeFileSync(join(folder, "global/pg_control"), randomBytes(300));
    const result = await runHpo(["studies", "--storage", folder]);
    expect(result.stderr).toMatch(new RegExp(`^hpo: the embedded storage in ${folder} could not be opened \\(PGlite: [^\\n]+\\): its files are damaged or not a PGlite database\\. Restore the folder from a backup, or move it aside to start a new one\\n$`));
    expect(result.code).toBe(1);
    rmSync(join(folder, ".."), { recursive: true, force: true });
  });

  it("an empty lock file left by a process that died while taking it", async () => {
    const folder = freshPgliteFolder();
    writeFileSync(join(folder, "hpo.lock"), "");
    const result = await runHpo(["studies", "--storage", folder]);
    expect(result.stderr).toContain(`is locked by ${folder}/hpo.lock, which is empty or unreadable`);
    expect(result.stderr).toContain(`delete ${folder}/hpo.lock`);
    expect(result.code).toBe(1);
    rmSync(join(folder, ".."), { recursive: true, force: true });
  });

  it.skipIf(privatePostgresUnavailable() !== null)("a PostgreSQL server that wants a password none was given for", async () => {
    const pg = await startPrivatePostgres({ password: "s3cret" });
    try {
      const result = await runHpo(["studies", "--storage", pg.url]);
      expect(result.stderr).toBe(
        `hpo: cannot connect to PostgreSQL at ${pg.url}: the server asks for a password and none was given (put it in the URL as postgres://user:password@host/db, or in PGPASSWORD or ~/.pgpass)\n`,
      );
      expect(result.code).toBe(1);
      // Past authentication: a read-only command then finds no hpo tables (and installs none).
      const withPassword = await runHpo(["studies", "--storage", pg.url], { env: { PGPASSWORD: "s3cret" } });
      expect(withPassword.stderr).toMatch(/^hpo: no hpo storage in the PostgreSQL database/);
    } finally {
      pg.stop();
    }
  });
});
