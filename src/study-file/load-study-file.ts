import { randomUUID } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { register } from "node:module";
import { extname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { packageRoot } from "../internal/package-root.ts";
import { parseStudyDefinition, StudyDefinitionError, type StudyDefinition } from "./study-definition.ts";

const TYPESCRIPT = new Set([".ts", ".mts", ".cts", ".tsx"]);

/**
 * Loads a TypeScript study file through tsx's loader under a namespace of its own: the file
 * and the TypeScript it imports are compiled, nothing else in the process is. hpo's hook
 * (bin/resolve-hpo-hook.js) is registered again after tsx's so that it runs first: "hpo"
 * then resolves outside the namespace, to the very modules the CLI runs (one copy of hpo,
 * so its classes and caches are shared), and a .ts file outside any "type": "module"
 * package loads as an ES module.
 */
async function importTypeScript(url: string): Promise<unknown> {
  const tsx = await import("tsx/esm/api");
  const scoped = tsx.register({ namespace: `hpo-study-${randomUUID()}` });
  register(pathToFileURL(join(packageRoot(), "bin", "resolve-hpo-hook.js")).href);
  return scoped.import(url, import.meta.url);
}

/**
 * Imports a TypeScript (or JavaScript) study file and validates its default export.
 * TypeScript goes through tsx's scoped loader; JavaScript loads natively.
 */
export async function loadStudyFile(path: string): Promise<StudyDefinition> {
  const file = resolve(path);
  if (!existsSync(file)) throw new StudyDefinitionError(`study file not found: ${file}`);
  if (!statSync(file).isFile()) throw new StudyDefinitionError(`not a file: ${file}`);
  let mod: { default?: unknown };
  try {
    const url = pathToFileURL(file).href;
    if (TYPESCRIPT.has(extname(file))) {
      mod = (await importTypeScript(url)) as { default?: unknown };
    } else {
      mod = (await import(url)) as { default?: unknown };
    }
  } catch (e) {
    if (e instanceof StudyDefinitionError) throw new StudyDefinitionError(`${path}: ${e.message.replace(/^defineStudy: /, "defineStudy: ")}`);
    const err = e as Error;
    const where = err.stack?.split("\n").find((l) => l.includes(file)) ?? "";
    throw new StudyDefinitionError(`could not load study file ${path}: ${err.message}${where ? `\n  ${where.trim()}` : ""}`);
  }
  if (mod.default === undefined) {
    throw new StudyDefinitionError(`${path}: no default export; write \`export default defineStudy({ name, direction, objective, ... })\``);
  }
  return parseStudyDefinition(mod.default, path);
}
