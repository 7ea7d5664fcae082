/**
 * `npm run bench -- storage [--seconds 10 | --trials N] [--workers 1,4,8] [--samplers random,tpe]
 *   [--postgres URL] [--optuna-postgres URL] [--optuna 3.1|none] [--count-seconds 3] [--count-workers 1,8]
 *   [--sync-interval S] [--baseline DIR [--baseline-postgres URL]]`
 *
 * Finished trials per second summed over W worker processes sharing one PostgreSQL study,
 * hpo beside Optuna 3.1's RDBStorage (Debian's python3-optuna + python3-psycopg2) on the same
 * server, in the same invocation, taking turns cell by cell. Both run the same objective:
 * 1 float, 3 reports, 3 prune checks with the median pruner; random and TPE samplers
 * (Optuna's default, univariate TPE, on both sides: hpo runs it as TPESampler({ replay:
 * "optuna-3.1" }), the same algorithm). Optuna needs tables of its own: its database defaults to
 * optuna_bench on hpo's server (created if missing).
 *
 * Where a trial's cost goes: client CPU (the workers' process CPU time), server CPU (the
 * CPU time of the backends of that side's database, from /proc), and round trips per trial,
 * counted by a relay that reads the wire protocol in a separate short pass per W of
 * --count-workers (the relay is not in the path while throughput is measured). From the CPU per trial follows the
 * ceiling two cores would allow if nothing else ran: 2000 ms / (client + server ms).
 * --sync-interval sets hpo's syncInterval (default: hpo's own, 0.05 s on PostgreSQL), the
 * knob that trades how fresh a worker's view of the others is for reads per trial.
 * --trials N ends each cell after N measured trials (N / W per worker) instead of after
 * --seconds: both sides then end at the same study size. With a time limit the faster side
 * ends with the larger study, where its TPE costs more per trial. A --baseline checkout must
 * know `trials=K`.
 * --baseline DIR runs a third side in the same turns: the hpo checkout in DIR (its own
 * node_modules; e.g. `git worktree add DIR main && (cd DIR && npm ci)`), on a database of its
 * own (default hpo_bench_baseline on hpo's server, created if missing), since the two
 * checkouts may not share a schema. Before/after figures of a change then come from one
 * run, alternating.
 */
import { fork, spawn, type ChildProcess } from "node:child_process";
import { join, resolve } from "node:path";
import pg from "pg";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { openStorage } from "../src/index.ts";
import { databaseBeside, ensureDatabase } from "./_ensure-database.ts";
import { benchScript, OPTUNA_31_HOWTO, optunaPeers, pythonPath, sqlalchemyUrl } from "./_optuna-peer.ts";
import { fmt, loadAverages, printTable } from "./_function-spec.ts";
import { PgWireCounter, type WireCounts, wireCountsBetween } from "./_pg-wire-counter.ts";
import { backendCpuBetween, PostgresBackendCpu } from "./_postgres-backend-cpu.ts";

const hpoWorker = fileURLToPath(new URL("./_storage-worker.ts", import.meta.url));
const tsxLoader = new URL("../node_modules/tsx/dist/esm/index.mjs", import.meta.url).href;
// HPO_BENCH_CPU_PROF=<dir>: this checkout's workers write a V8 CPU profile of their measured seconds there (a --baseline checkout writes one only if its worker does so itself).
/** The target of issue 21 at W = 8. */
const TARGET = 10;
const TARGET_W = 8;

type SamplerName = "random" | "tpe";
type SideName = "hpo" | "baseline" | "optuna";

interface WorkerResult {
  finished: number;
  elapsed: number;
  cpuMs: number;
  /** The part of cpuMs spent in the kernel (sockets, scheduling). */
  systemMs: number;
  pruneMedianMs: number | null;
}

/** What one cell (side, sampler, W) measured. */
interface Round {
  rate: number;
  trials: number;
  pruneMs: number | null;
  clientCpuMs: number;
  clientSystemMs: number;
  serverCpuMs: number | null;
  wire: WireCounts | null;
}

/**
 * When a cell or a worker stops: after some seconds, or after a number of measured trials
 * (a cell's count is shared out among its workers), which puts both sides at the same study
 * size, since a TPE's proposal costs more as its study grows.
 */
type Stop = { readonly seconds: number } | { readonly trials: number };

/** The worker scripts' stop argument: seconds as a number, or `trials=K`. */
function stopArgument(stop: Stop): string {
  return "seconds" in stop ? String(stop.seconds) : `trials=${stop.trials}`;
}

/** A worker process of either side, spoken to the same way: ready, go, result, exit. */
interface WorkerHandle {
  ready: Promise<void>;
  result: Promise<WorkerResult>;
  go(): void;
  exit(): void;
}

function hpoWorkerProcess(script: string, url: string, study: string, sampler: SamplerName, stop: Stop, syncInterval: string | undefined): WorkerHandle {
  const child = fork(script, [url, study, sampler, stopArgument(stop), ...(syncInterval ? [syncInterval] : [])], {
    execArgv: ["--import", tsxLoader],
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const failed = exitError(child, "hpo worker");
  return {
    ready: Promise.race([new Promise<void>((resolve) => child.once("message", () => resolve())), failed]),
    result: Promise.race([
      new Promise<WorkerResult>((resolve) =>
        child.on("message", (m: Partial<WorkerResult>) => {
          if (m.finished !== undefined) resolve(m as WorkerResult);
        }),
      ),
      failed,
    ]),
    go: () => child.send({ go: true }),
    exit: () => child.connected && child.send({ exit: true }),
  };
}

function optunaWorkerProcess(url: string, study: string, sampler: SamplerName, stop: Stop, env: NodeJS.ProcessEnv): WorkerHandle {
  const child = spawn(pythonPath(), [benchScript("optuna_storage_worker.py"), "work", url, study, sampler, stopArgument(stop)], {
    env,
    stdio: ["pipe", "pipe", "inherit"],
  });
  const failed = exitError(child, "Optuna worker");
  const lines: ((line: string) => void)[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => lines.shift()?.(line));
  const nextLine = () => new Promise<string>((resolve) => lines.push(resolve));
  const ready = nextLine();
  const result = ready.then(nextLine);
  return {
    ready: Promise.race([ready.then(() => undefined), failed]),
    result: Promise.race([
      result.then((line) => {
        const r = JSON.parse(line) as { finished: number; elapsed: number; cpu_ms: number; system_ms: number; prune_median_ms: number | null };
        return { finished: r.finished, elapsed: r.elapsed, cpuMs: r.cpu_ms, systemMs: r.system_ms, pruneMedianMs: r.prune_median_ms };
      }),
      failed,
    ]),
    go: () => child.stdin!.write("go\n"),
    exit: () => child.stdin!.end("exit\n"),
  };
}

/** Rejects when the process exits before it is told to. */
function exitError(child: ChildProcess, what: string): Promise<never> {
  return new Promise((_, reject) => {
    child.on("exit", (code, signal) => {
      if (code !== 0) reject(new Error(`${what} exited with ${signal ?? code}`));
    });
  });
}

/** Runs Optuna's driver once (create or delete a study) and returns its output. */
function optunaOnce(command: "create" | "delete", url: string, study: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(pythonPath(), [benchScript("optuna_storage_worker.py"), command, url, study], { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(err.trim().split("\n").slice(-1)[0] || `exit ${code}`))));
  });
}

/** The same URL through the counting relay. */
function viaRelay(url: string, relay: PgWireCounter): string {
  const u = new URL(url);
  u.hostname = "127.0.0.1";
  u.port = String(relay.port);
  return u.toString();
}

interface Side {
  readonly name: SideName;
  readonly label: string;
  /** The URL the side's workers connect to (through `relay` when given). */
  url(relay: PgWireCounter | null): string;
  createStudy(study: string): Promise<void>;
  deleteStudy(study: string): Promise<void>;
  worker(url: string, study: string, sampler: SamplerName, stop: Stop): WorkerHandle;
  readonly serverCpu: PostgresBackendCpu;
  readonly upstream: { host: string; port: number };
}

function upstreamOf(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname || "127.0.0.1", port: Number(u.port || 5432) };
}

async function hpoSide(url: string, syncInterval: string | undefined): Promise<Side> {
  const storage = await openStorage(url);
  return {
    name: "hpo",
    label: "hpo",
    url: (relay) => (relay ? viaRelay(url, relay) : url),
    // Workers create it (loadIfExists); deleting afterwards keeps the database small.
    createStudy: async () => undefined,
    deleteStudy: (study) => storage.deleteStudy(study).catch(() => undefined),
    worker: (u, study, sampler, stop) => hpoWorkerProcess(hpoWorker, u, study, sampler, stop, syncInterval),
    serverCpu: await PostgresBackendCpu.open(url),
    upstream: upstreamOf(url),
  };
}

/** Another hpo checkout's workers on a database of their own (this checkout's storage would migrate it). */
async function baselineSide(dir: string, url: string, syncInterval: string | undefined): Promise<Side> {
  const script = join(resolve(dir), "bench", "_storage-worker.ts");
  await ensureDatabase(url);
  const serverCpu = await PostgresBackendCpu.open(url);
  const deleteStudy = async (study: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query("DELETE FROM hpo_studies WHERE study_name = $1", [study]).catch(() => undefined);
    await client.end();
  };
  return {
    name: "baseline",
    label: `hpo baseline (${dir})`,
    url: (relay) => (relay ? viaRelay(url, relay) : url),
    createStudy: async () => undefined,
    deleteStudy,
    worker: (u, study, sampler, stop) => hpoWorkerProcess(script, u, study, sampler, stop, syncInterval),
    serverCpu,
    upstream: upstreamOf(url),
  };
}

async function optunaSide(url: string, env: NodeJS.ProcessEnv): Promise<Side> {
  await ensureDatabase(url);
  const serverCpu = await PostgresBackendCpu.open(url);
  // Creating the tables once here, so W workers starting at once do not race for it.
  const probe = `bench-storage-probe-${process.pid}`;
  const hello = JSON.parse(await optunaOnce("create", sqlalchemyUrl(url), probe, env)) as { optuna: string };
  await optunaOnce("delete", sqlalchemyUrl(url), probe, env);
  return {
    name: "optuna",
    label: `Optuna ${hello.optuna}`,
    url: (relay) => sqlalchemyUrl(relay ? viaRelay(url, relay) : url),
    createStudy: async (study) => void (await optunaOnce("create", sqlalchemyUrl(url), study, env)),
    deleteStudy: (study) => optunaOnce("delete", sqlalchemyUrl(url), study, env).then(() => undefined, () => undefined),
    worker: (u, study, sampler, stop) => optunaWorkerProcess(u, study, sampler, stop, env),
    serverCpu,
    upstream: upstreamOf(url),
  };
}

async function runRound(side: Side, sampler: SamplerName, workers: number, stop: Stop, countWire: boolean): Promise<Round> {
  const study = `bench-storage-${side.name}-${sampler}-${workers}-${process.pid}-${Date.now()}`;
  const relay = countWire ? await PgWireCounter.start(side.upstream) : null;
  await side.createStudy(study);
  const handles: WorkerHandle[] = [];
  try {
    const url = side.url(relay);
    const workerStop: Stop = "seconds" in stop ? stop : { trials: Math.ceil(stop.trials / workers) };
    for (let i = 0; i < workers; i++) handles.push(side.worker(url, study, sampler, workerStop));
    await Promise.all(handles.map((h) => h.ready));
    const serverBefore = await side.serverCpu.sample();
    const wireBefore = relay?.snapshot() ?? null;
    for (const h of handles) h.go();
    const done = await Promise.all(handles.map((h) => h.result));
    const wire = relay && wireBefore ? wireCountsBetween(wireBefore, relay.snapshot()) : null;
    const serverAfter = await side.serverCpu.sample();
    const trials = done.reduce((sum, r) => sum + r.finished, 0);
    const prunes = done.map((r) => r.pruneMedianMs).filter((x): x is number => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
    return {
      // Trials over the time the last worker took: with a trial count per worker, workers
      // end at different times, and a sum of per-worker rates would count the tail, where
      // fewer of them share the cores, as if all ran that fast.
      rate: trials / Math.max(...done.map((r) => r.elapsed)),
      trials,
      pruneMs: prunes.length ? prunes[prunes.length >> 1] : null,
      clientCpuMs: done.reduce((sum, r) => sum + r.cpuMs, 0) / trials,
      clientSystemMs: done.reduce((sum, r) => sum + r.systemMs, 0) / trials,
      serverCpuMs: side.serverCpu.readable ? (backendCpuBetween(serverBefore, serverAfter) * 1000) / trials : null,
      wire,
    };
  } finally {
    for (const h of handles) h.exit();
    await Promise.allSettled(handles.map((h) => h.result));
    await relay?.close();
    await side.deleteStudy(study);
  }
}

/** CPU ms per trial, client (its kernel part) + server. */
function cpuOf(r: Round): string {
  return `${fmt(r.clientCpuMs)} (sys ${fmt(r.clientSystemMs)}) + ${r.serverCpuMs === null ? "?" : fmt(r.serverCpuMs)}`;
}

/** Client + server CPU ms per trial, or null where the server's part was not measured. */
function cpuPerTrial(r: Round): number | null {
  return r.serverCpuMs === null ? null : r.clientCpuMs + r.serverCpuMs;
}

/** CPU per trial of `slower` ÷ that of `faster`, or null where either is not known. */
function cpuRatioOf(slower: Round, faster: Round): number | null {
  const s = cpuPerTrial(slower);
  const f = cpuPerTrial(faster);
  return s === null || f === null ? null : s / f;
}

/** What two cores would allow at this CPU per trial, and the share of it reached. */
function ceilingOf(r: Round): string {
  const cpu = cpuPerTrial(r);
  if (cpu === null) return "?";
  const ceiling = 2000 / cpu;
  return `${fmt(ceiling)} (${Math.round((100 * r.rate) / ceiling)} %)`;
}

export default async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      seconds: { type: "string", default: "10" },
      trials: { type: "string" },
      workers: { type: "string", default: "1,4,8" },
      samplers: { type: "string", default: "random,tpe" },
      postgres: { type: "string" },
      "optuna-postgres": { type: "string" },
      optuna: { type: "string", default: "3.1" },
      "count-seconds": { type: "string", default: "3" },
      "count-workers": { type: "string", default: "1,8" },
      "sync-interval": { type: "string" },
      baseline: { type: "string" },
      "baseline-postgres": { type: "string" },
    },
  });
  const url = values.postgres ?? process.env.HPO_BENCH_PG ?? process.env.HPO_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
  const optunaUrl = values["optuna-postgres"] ?? process.env.HPO_BENCH_OPTUNA_PG ?? databaseBeside(url, "optuna_bench");
  const seconds = Number(values.seconds);
  const countSeconds = Number(values["count-seconds"]);
  const ws = values.workers!.split(",").map(Number);
  const countWs = values["count-workers"]!.split(",").map(Number);
  const samplers = values.samplers!.split(",") as SamplerName[];
  for (const s of samplers) if (s !== "random" && s !== "tpe") throw new Error(`--samplers: expected random and/or tpe, found "${s}"`);
  if (!(seconds > 0) || [...ws, ...countWs].some((w) => !Number.isInteger(w) || w < 1)) {
    throw new Error("--seconds must be positive, --workers and --count-workers positive integers");
  }
  const trials = values.trials === undefined ? null : Number(values.trials);
  if (trials !== null && !(Number.isInteger(trials) && trials > 0)) throw new Error(`--trials: expected a positive integer, found "${values.trials}"`);
  const cellStop: Stop = trials === null ? { seconds } : { trials };

  const loadBefore = loadAverages();
  const syncInterval = values["sync-interval"];
  if (syncInterval !== undefined && !(Number(syncInterval) >= 0)) throw new Error(`--sync-interval: expected seconds >= 0, found "${syncInterval}"`);
  const sides: Side[] = [await hpoSide(url, syncInterval)];
  if (values.baseline) {
    const baselineUrl = values["baseline-postgres"] ?? databaseBeside(url, "hpo_bench_baseline");
    sides.push(await baselineSide(values.baseline, baselineUrl, syncInterval));
  }
  if (values.optuna !== "none") {
    try {
      const { peers } = optunaPeers(["3.1"], undefined);
      sides.push(await optunaSide(optunaUrl, peers[0].env));
    } catch (e) {
      console.log(`Optuna 3.1 skipped: ${(e as Error).message}; needs ${OPTUNA_31_HOWTO}`);
    }
  }
  const baseline = sides.find((s) => s.name === "baseline");
  const optuna = sides.find((s) => s.name === "optuna");
  const cells = new Map<string, Round>(); // `${side}|${sampler}|${w}`
  try {
    for (const [i, w] of ws.entries()) {
      for (const sampler of samplers) {
        // Alternate who goes first, so neither side always runs right after the other.
        const order = (i + samplers.indexOf(sampler)) % 2 === 0 ? sides : [...sides].reverse();
        for (const side of order) {
          cells.set(`${side.name}|${sampler}|${w}`, await runRound(side, sampler, w, cellStop, false));
          process.stderr.write(`  ${side.label} ${sampler} W=${w}: ${cells.get(`${side.name}|${sampler}|${w}`)!.rate.toFixed(1)} trials/s\n`);
        }
      }
    }
    if (countSeconds > 0) {
      for (const w of countWs) {
        for (const sampler of samplers) {
          for (const side of sides) cells.set(`${side.name}|${sampler}|wire${w}`, await runRound(side, sampler, w, { seconds: countSeconds }, true));
        }
      }
    }
  } finally {
    for (const s of sides) await s.serverCpu.close();
  }

  console.log(
    `\nFinished trials/s over W worker processes on one PostgreSQL study, ${trials === null ? `${seconds} s per cell` : `${trials} measured trials per cell (${trials} / W per worker, after 5 warm-up trials each: both sides end at the same study size)`}, hpo and ${optuna?.label ?? "(no Optuna)"} taking turns in this run;` +
      ` objective = 1 float + 3 reports + 3 prune checks (median pruner) on both sides; hpo's syncInterval ${syncInterval ?? "default"}. CPU ms per trial = workers' process CPU (sys: its kernel part) + that database's backends' CPU.` +
      ` Ceiling = 2000 ms / CPU per trial: what two cores allow with nothing else running (share reached).`,
  );
  const table: string[][] = [
    ["W", "sampler", "hpo trials/s", `${optuna?.label ?? "Optuna"} trials/s`, "hpo ×", "CPU ms/trial hpo", "CPU ms/trial Optuna", "CPU ×", "prune check ms hpo / Optuna", "2-core ceiling hpo", "2-core ceiling Optuna"],
  ];
  const verdicts: string[] = [];
  for (const w of ws) {
    for (const sampler of samplers) {
      const h = cells.get(`hpo|${sampler}|${w}`)!;
      const o = optuna ? cells.get(`optuna|${sampler}|${w}`) : undefined;
      const ratio = o ? h.rate / o.rate : null;
      const cpuRatio = o ? cpuRatioOf(o, h) : null;
      table.push([
        String(w),
        sampler,
        fmt(h.rate),
        o ? fmt(o.rate) : "—",
        ratio !== null ? `×${fmt(ratio)}` : "—",
        cpuOf(h),
        o ? cpuOf(o) : "—",
        cpuRatio !== null ? `×${fmt(cpuRatio)}` : "—",
        `${fmt(h.pruneMs)} / ${o ? fmt(o.pruneMs) : "—"}`,
        ceilingOf(h),
        o ? ceilingOf(o) : "—",
      ]);
      if (w === TARGET_W && ratio !== null) verdicts.push(`${sampler}: ×${fmt(ratio)} trials/s, ${ratio >= TARGET ? "met" : "NOT met"}`);
    }
  }
  printTable(table);
  if (verdicts.length) console.log(`\nTarget hpo ≥ ${TARGET}× ${optuna!.label} at W = ${TARGET_W}: ${verdicts.join("; ")}`);
  if (baseline) {
    console.log(`\nThis checkout against ${baseline.label}, same turns:`);
    const rows: string[][] = [["W", "sampler", "hpo trials/s", "baseline trials/s", "×", "CPU ms/trial hpo", "CPU ms/trial baseline", "CPU ×"]];
    for (const w of ws) {
      for (const sampler of samplers) {
        const h = cells.get(`hpo|${sampler}|${w}`)!;
        const b = cells.get(`baseline|${sampler}|${w}`)!;
        const cpuRatio = cpuRatioOf(b, h);
        rows.push([String(w), sampler, fmt(h.rate), fmt(b.rate), `×${fmt(h.rate / b.rate)}`, cpuOf(h), cpuOf(b), cpuRatio !== null ? `×${fmt(cpuRatio)}` : "—"]);
      }
    }
    printTable(rows);
  }

  const wireRows: string[][] = [["W", "sampler", "side", "trials", "round trips/trial", "messages/trial", "bytes to server/trial", "bytes to client/trial"]];
  for (const w of countWs) {
    for (const sampler of samplers) {
      for (const side of sides) {
        const r = cells.get(`${side.name}|${sampler}|wire${w}`);
        if (!r?.wire) continue;
        const per = (x: number) => fmt(x / r.trials);
        wireRows.push([String(w), sampler, side.label, String(r.trials), per(r.wire.roundTrips), per(r.wire.messages), per(r.wire.bytesToServer), per(r.wire.bytesToClient)]);
      }
    }
  }
  if (wireRows.length > 1) {
    console.log(`\nOn the wire, ${countSeconds} s per cell through a counting relay (a round trip = a Query or a Sync; the relay slows both sides, so no rates here):`);
    printTable(wireRows);
    const w = Math.max(...countWs);
    for (const sampler of samplers) {
      for (const side of sides) {
        const r = cells.get(`${side.name}|${sampler}|wire${w}`);
        if (!r?.wire) continue;
        const top = Object.entries(r.wire.statements).sort((a, b) => b[1] - a[1]).slice(0, 8);
        console.log(`\n${side.label}, ${sampler}, W = ${w}: statements per trial, most sent first`);
        printTable([["per trial", "statement"], ...top.map(([k, n]) => [fmt(n / r.trials), k])]);
      }
    }
  }
  console.log(`\nload average ${loadBefore} at the start, ${loadAverages()} at the end`);
}
