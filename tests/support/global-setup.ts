import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { openPgliteStorage } from "../../src/storage/sql/open-pglite-storage.ts";

/**
 * Initialises one migrated PGlite folder per test run; test files copy it instead of
 * running initdb again (PGlite start-up is the slowest part of the suite).
 */
export default async function setup(project: TestProject): Promise<() => void> {
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
