/**
 * `npm run bench -- <name> [args]`: runs bench/<name>.ts, whose default export is
 * `(args: string[]) => Promise<void>`. Benchmarks print their numbers; they are not tests.
 */
import { readdirSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const dir = fileURLToPath(new URL(".", import.meta.url));
const available = readdirSync(dir)
  .filter((f) => f.endsWith(".ts") && f !== "index.ts" && !f.startsWith("_"))
  .map((f) => f.slice(0, -3))
  .sort();

const [name, ...args] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <${available.join("|")}> [options]`);
  process.exit(name ? 1 : 0);
}
const mod = (await import(pathToFileURL(`${dir}${name}.ts`).href)) as { default: (args: string[]) => Promise<void> };
await mod.default(args);
