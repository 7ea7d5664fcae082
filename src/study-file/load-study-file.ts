import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseStudyDefinition, StudyDefinitionError, type StudyDefinition } from "./study-definition.ts";

/**
 * Imports a TypeScript (or JavaScript) study file and validates its default export. The
 * CLI's module hooks make `import ... from "hpo"` work wherever the file lies.
 */
export async function loadStudyFile(path: string): Promise<StudyDefinition> {
  const file = resolve(path);
  if (!existsSync(file)) throw new StudyDefinitionError(`study file not found: ${file}`);
  if (!statSync(file).isFile()) throw new StudyDefinitionError(`not a file: ${file}`);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
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
