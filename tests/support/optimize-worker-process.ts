import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const worker = fileURLToPath(new URL("./optimize-worker.ts", import.meta.url));
const tsx = fileURLToPath(new URL("../../node_modules/tsx/dist/cli.mjs", import.meta.url));

/** Runs optimize-worker.ts in its own process: joins study `name` on `url` and runs `n` trials; resolves to its exit code. */
export function runOptimizeWorker(url: string, name: string, n: number): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [tsx, worker, url, name, String(n)], { stdio: ["ignore", "ignore", "inherit"] });
    child.on("close", (code) => resolve(code));
  });
}
