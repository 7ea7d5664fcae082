/**
 * `npm run bench -- storage [--seconds S] [--postgres URL] [--workers 1,4,8]`: finished
 * trials per second summed over W worker processes sharing one PostgreSQL study; objective
 * = 1 float + 3 reports + 3 shouldPrune (median pruner); random and TPE samplers. Optuna
 * 3.1's RDB storage does 21–24 trials/s here at every W (shared/bench/optuna-baseline.json).
 */
import { fork, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const worker = fileURLToPath(new URL("./_storage-worker.ts", import.meta.url));
const tsxCli = fileURLToPath(new URL("../node_modules/tsx/dist/cli.mjs", import.meta.url));

interface WorkerResult {
  finished: number;
  elapsed: number;
  pruneMedianMs: number;
}

async function runRound(url: string, sampler: string, workers: number, seconds: number): Promise<{ rate: number; pruneMs: number }> {
  const study = `bench-storage-${sampler}-${workers}-${Date.now()}`;
  const children: ChildProcess[] = [];
  const ready: Promise<void>[] = [];
  const results: Promise<WorkerResult>[] = [];
  for (let i = 0; i < workers; i++) {
    const child = fork(tsxCli, [worker, url, study, sampler, String(seconds)], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
    children.push(child);
    ready.push(new Promise((resolve) => child.once("message", () => resolve())));
    results.push(
      new Promise((resolve, reject) => {
        child.on("message", (m: Partial<WorkerResult>) => {
          if (m.finished !== undefined) resolve(m as WorkerResult);
        });
        child.on("exit", (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)));
      }),
    );
  }
  await Promise.all(ready);
  for (const c of children) c.send({ go: true });
  const done = await Promise.all(results);
  const medians = done.map((r) => r.pruneMedianMs).sort((a, b) => a - b);
  return { rate: done.reduce((sum, r) => sum + r.finished / r.elapsed, 0), pruneMs: medians[medians.length >> 1] };
}

export default async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { seconds: { type: "string", default: "10" }, postgres: { type: "string" }, workers: { type: "string", default: "1,4,8" } },
  });
  const url = values.postgres ?? process.env.HPO_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
  const seconds = Number(values.seconds);
  const ws = values.workers!.split(",").map(Number);
  const baseline = JSON.parse(readFileSync(new URL("../../shared/bench/optuna-baseline.json", import.meta.url), "utf8")) as {
    storage_trials_per_s: Record<string, { report3: Record<string, Record<string, number>> }>;
  };
  const optuna = baseline.storage_trials_per_s["3.1.0"].report3;
  const rows: string[][] = [];
  for (const w of ws) {
    const r = await runRound(url, "random", w, seconds);
    const t = await runRound(url, "tpe", w, seconds);
    const random = r.rate;
    const tpe = t.rate;
    const o = { random: optuna.random?.[String(w)], tpe: optuna.tpe?.[String(w)] };
    rows.push([
      String(w),
      random.toFixed(1),
      o.random ? `${o.random.toFixed(1)} (×${(random / o.random).toFixed(1)})` : "?",
      tpe.toFixed(1),
      o.tpe ? `${o.tpe.toFixed(1)} (×${(tpe / o.tpe).toFixed(1)})` : "?",
      `${r.pruneMs.toFixed(2)} / ${t.pruneMs.toFixed(2)}`,
    ]);
  }
  console.log(`finished trials/s summed over W worker processes on one PostgreSQL study (${seconds} s each), objective = 1 float + 3 reports + 3 shouldPrune (median pruner)\n`);
  const header = ["W", "hpo random", "optuna 3.1 random (hpo ×)", "hpo tpe", "optuna 3.1 tpe (hpo ×)", "shouldPrune median ms (random / tpe)"];
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(w[i])).join(" | ")} |`;
  console.log([line(header), `|${w.map((x) => "-".repeat(x + 2)).join("|")}|`, ...rows.map(line)].join("\n"));
}
