import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { openPgliteStorage } from "../../src/storage/sql/open-pglite-storage.ts";

/**
 * Builds dist/ (incrementally: seconds when little changed), since tests that start the
 * `hpo` command run the compiled package a user gets; then initialises one migrated PGlite
 * folder per test run, which test files copy instead of running initdb again (PGlite
 * start-up is the slowest part of the suite).
 */
export default async function setup(project: TestProject): Promise<() => void> {
  execFileSync(process.execPath, [fileURLToPath(new URL("../../scripts/build.mjs", import.meta.url))], { stdio: ["ignore", "ignore", "inherit"] });
  const root = mkdtempSync(join(tmpdir(), "hpo-test-"));
  const template = join(root, "pglite-template");
  const storage = await openPgliteStorage(template);
  await storage.close();
  project.provide("pgliteTemplate", template);
  return () => rmSync(root, { recursive: true, force: true });
}

declare module "vitest" {
  export interface ProvidedContext {
    pgliteTemplate: string;
  }
}
