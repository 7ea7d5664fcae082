/**
 * `npm run bench -- storage [--seconds S] [--postgres URL] [--workers 1,4,8]`: finished
 * trials per second summed over W worker processes sharing one PostgreSQL study; objective
 * = 1 float + 3 reports + 3 shouldPrune (median pruner); random and TPE samplers. Optuna
 * 3.1's RDB storage does 21–24 trials/s here at every W (shared/bench/optuna-baseline.json).
 */
import os from "node:os";
import { fork, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const worker = fileURLToPath(new URL("./_storage-worker.ts", import.meta.url));
const tsxLoader = new URL("../node_modules/tsx/dist/esm/index.mjs", import.meta.url).href;
// HPO_BENCH_CPU_PROF=<dir> writes a V8 CPU profile of every worker there.
const profileArgs = process.env.HPO_BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.HPO_BENCH_CPU_PROF}`] : [];

interface WorkerResult {
  finished: number;
  elapsed: number;
  pruneMedianMs: number;
  cpuMs: number;
}

/**
 * CPU seconds used so far by local PostgreSQL processes (backends that already exited are
 * counted in the postmaster's children times); null where /proc is not readable.
 */
function postgresCpuSeconds(): number | null {
  try {
    const tick = 100; // USER_HZ on Linux
    let total = 0;
    for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      } catch {
        continue;
      }
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      if (name !== "postgres" && name !== "postmaster") continue;
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // Fields after the name: utime 12, stime 13, cutime 14, cstime 15 (0-based here).
      total += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    }
    return total / tick;
  } catch {
    return null;
  }
}

async function runRound(url: string, sampler: string, workers: number, seconds: number): Promise<{ rate: number; pruneMs: number; clientCpuMs: number; serverCpuMs: number | null }> {
  const study = `bench-storage-${sampler}-${workers}-${Date.now()}`;
  const children: ChildProcess[] = [];
  const ready: Promise<void>[] = [];
  const results: Promise<WorkerResult>[] = [];
  for (let i = 0; i < workers; i++) {
    const child = fork(worker, [url, study, sampler, String(seconds)], {
      execArgv: ["--import", tsxLoader, ...profileArgs],
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
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
  const serverBefore = postgresCpuSeconds();
  for (const c of children) c.send({ go: true });
  const done = await Promise.all(results);
  const serverAfter = postgresCpuSeconds();
  const medians = done.map((r) => r.pruneMedianMs).sort((a, b) => a - b);
  const trials = done.reduce((sum, r) => sum + r.finished, 0);
  return {
    rate: done.reduce((sum, r) => sum + r.finished / r.elapsed, 0),
    pruneMs: medians[medians.length >> 1],
    clientCpuMs: done.reduce((sum, r) => sum + r.cpuMs, 0) / trials,
    serverCpuMs: serverBefore === null || serverAfter === null ? null : ((serverAfter - serverBefore) * 1000) / trials,
  };
}

function cpu(r: { clientCpuMs: number; serverCpuMs: number | null }): string {
  return `${r.clientCpuMs.toFixed(2)}+${r.serverCpuMs === null ? "?" : r.serverCpuMs.toFixed(2)}`;
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
      `${cpu(r)} / ${cpu(t)}`,
    ]);
  }
  console.log(`finished trials/s summed over W worker processes on one PostgreSQL study (${seconds} s each), objective = 1 float + 3 reports + 3 shouldPrune (median pruner); ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)} at the end\n`);
  const header = ["W", "hpo random", "optuna 3.1 random (hpo ×)", "hpo tpe", "optuna 3.1 tpe (hpo ×)", "shouldPrune median ms (random / tpe)", "CPU ms/trial workers+server (random / tpe)"];
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(w[i])).join(" | ")} |`;
  console.log([line(header), `|${w.map((x) => "-".repeat(x + 2)).join("|")}|`, ...rows.map(line)].join("\n"));
}
