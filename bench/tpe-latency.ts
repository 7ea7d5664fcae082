/**
 * `npm run bench -- tpe-latency [--sizes 1000,10000] [--reps 30] [--rounds 5] [--turn-ms 250]
 *   [--warmup 1000] [--storages memory,postgres] [--postgres URL] [--optuna 4.9,3.1|none] [--optuna-src DIR]
 *   [--optuna-postgres URL|none]
 *   [--options '{"nEiCandidates":24}']`
 *
 * Optuna's TPE and hpo's side by side in one invocation: one ask() + 6 suggests on the
 * captioner-surrogate space with exactly n COMPLETE trials in history, univariate ("tpe":
 * Optuna's `TPESampler()`, hpo's `replay: "optuna-3.1"`, the same algorithm) and
 * multivariate ("tpe-mv": Optuna's `TPESampler(multivariate=True)`, hpo's `new
 * TPESampler()`, whose defaults draw 48 candidates where Optuna draws 24; `--options
 * '{"nEiCandidates":24}'` gives both the same work). Every side gets the same history (random params, generated
 * here once and sent to each), built once per side and shared by both of its samplers;
 * then the sides take turns, so a change in the machine's load falls on all of them alike.
 * A turn lasts at least --turn-ms of wall time (and at least reps / rounds asks): a process
 * that resumes after another one ran is slower for its first milliseconds (measured: hpo's
 * first ask after a 150 ms pause took 1.4-1.8× the CPU of back-to-back asks, the next few
 * 1.1×, whether the pause slept in the event loop or blocked the thread, so it is the CPU's
 * caches and clock, not V8), and turns of a fixed count would put most of the fast side's
 * asks in that state and few of the slow side's. Before timing, hpo warms up for --warmup
 * asks per mode in turns that alternate the modes as the timed rounds do: V8 keeps
 * re-optimising the sampler's functions (deoptimisations on new object shapes from the
 * other mode) for the first several hundred asks, compiling on a background thread whose
 * CPU time the process's includes. Optuna runs on its in-memory storage (its fastest) and, with
 * postgres among --storages, on its RDB storage on the same server as a user would open it
 * (`create_study(storage=url)`, on a database of its own per version: --optuna-postgres,
 * default optuna_tpe_latency_<version> beside hpo's, created if missing); hpo on memory and
 * on PostgreSQL through `createStudy`. hpo on PostgreSQL is compared with both: with
 * Optuna on PostgreSQL (same storage, client + server CPU on both sides) and with Optuna in
 * memory (the stricter comparison).
 *
 * Prints per-ask median wall and CPU milliseconds (process CPU time on both sides: Python's
 * time.process_time, Node's process.cpuUsage; for hpo on PostgreSQL also the mean CPU of
 * the server's backends per ask), the CPU-time ratios against each Optuna with wall ratios
 * beside them, the load average, and how far each hpo setting is from the least work a TPE
 * ask can do at the largest n (bench/_kernel-floor.ts, measured in the same run).
 *
 * Optuna 4.9: --optuna-src DIR or HPO_OPTUNA_SRC (see bench/_optuna-peer.ts for how to get
 * it); Optuna 3.1: Debian's python3-optuna. A missing one is skipped with a line saying so.
 */
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import {
  createStudy,
  type Distribution,
  loadStudy,
  openStorage,
  type ParamValue,
  type Storage,
  type Study,
  TPESampler,
  type TPESamplerOptions,
} from "../src/index.ts";
import { SeededRandom } from "../src/random/seeded-random.ts";
import { FUNCTIONS } from "../../shared/bench/functions.ts";
import {
  distributionOf,
  fmt,
  type FunctionSpec,
  loadAverages,
  loadFunctionSpecs,
  median,
  printTable,
  randomParams,
  suggestThrough,
  toInternalOf,
} from "./_function-spec.ts";
import { measureKernelFloor } from "./_kernel-floor.ts";
import { redactUrl } from "../src/storage/sql/open-postgres-storage.ts";
import { databaseBeside, ensureDatabase } from "./_ensure-database.ts";
import { benchScript, JsonLinesPeer, optunaPeers, OPTUNA_31_HOWTO, sqlalchemyUrl } from "./_optuna-peer.ts";
import { backendCpuBetween, PostgresBackendCpu } from "./_postgres-backend-cpu.ts";

const SPACE = "captioner-surrogate";
const MODES = ["tpe", "tpe-mv"] as const;
type Mode = (typeof MODES)[number];
/** Untimed asks per mode of an Optuna side after each growth (hpo's: --warmup): caches, the storage's first read. */
const OPTUNA_WARMUP = 3;
/** The target of issue 21: hpo at least this many times faster than Optuna 4.9 in CPU time. */
const TARGET = 10;

interface HistoryTrial {
  params: Record<string, ParamValue>;
  value: number;
}

/** Per-ask times of one batch of asks; serverCpu only where a database server works too. */
interface AskTimes {
  wall: number[];
  cpu: number[];
  serverCpu: number[] | null;
}

/** One implementation under test: grows its history, times asks. */
interface Side {
  readonly name: string;
  readonly peer: "optuna" | "hpo";
  grow(trials: readonly HistoryTrial[]): Promise<void>;
  /** At least `reps` asks, and more until `minMs` of wall time has passed since the first. */
  time(mode: Mode, reps: number, minMs?: number): Promise<AskTimes>;
  close(): Promise<void>;
}

class OptunaSide implements Side {
  readonly peer = "optuna";
  readonly #driver: JsonLinesPeer;

  private constructor(
    readonly name: string,
    readonly version: string,
    driver: JsonLinesPeer,
    readonly onPostgres: boolean,
  ) {
    this.#driver = driver;
  }

  /** Optuna in memory, or on its RDB storage at `postgres` (a database of its own). */
  static async open(env: NodeJS.ProcessEnv, spec: FunctionSpec, postgres?: string): Promise<OptunaSide> {
    const driver = new JsonLinesPeer(benchScript("optuna_tpe_latency.py"), env);
    try {
      const storage = postgres === undefined ? undefined : sqlalchemyUrl(postgres);
      const hello = await driver.request<{ optuna: string; numpy: string; path: string }>({ op: "hello", space: spec.params, storage });
      console.log(`  Optuna ${hello.optuna} from ${hello.path} (NumPy ${hello.numpy})${postgres ? ` on ${redactUrl(postgres)}` : ""}`);
      return new OptunaSide(`Optuna ${hello.optuna}${postgres ? " postgres" : ""}`, hello.optuna, driver, postgres !== undefined);
    } catch (e) {
      await driver.close().catch(() => undefined);
      throw e;
    }
  }

  async grow(trials: readonly HistoryTrial[]): Promise<void> {
    await this.#driver.request({ op: "grow", trials });
  }

  async time(mode: Mode, reps: number, minMs = 0): Promise<AskTimes> {
    const r = await this.#driver.request<{ wall_ms: number[]; cpu_ms: number[]; server_cpu_ms: number[] | null }>({ op: "time", sampler: mode, reps, min_ms: minMs });
    return { wall: r.wall_ms, cpu: r.cpu_ms, serverCpu: r.server_cpu_ms };
  }

  async close(): Promise<void> {
    await this.#driver.close();
  }
}

class HpoSide implements Side {
  readonly peer = "hpo";
  readonly #dists: (readonly [string, Distribution])[];
  readonly #storage: Storage;
  readonly #studyName: string;
  readonly #studies: Map<Mode, Study>;
  readonly #serverCpu: PostgresBackendCpu | null;

  private constructor(
    readonly name: string,
    parts: { storage: Storage; studyName: string; studies: Map<Mode, Study>; serverCpu: PostgresBackendCpu | null; spec: FunctionSpec },
  ) {
    this.#storage = parts.storage;
    this.#studyName = parts.studyName;
    this.#studies = parts.studies;
    this.#serverCpu = parts.serverCpu;
    this.#dists = parts.spec.params.map((p) => [p.name, distributionOf(p)] as const);
  }

  /** One stored study on `storage`, opened once per mode with that mode's sampler. */
  static async open(name: string, storage: Storage, spec: FunctionSpec, options: TPESamplerOptions, serverCpu: PostgresBackendCpu | null): Promise<HpoSide> {
    const studyName = `bench-tpe-latency-${process.pid}-${Date.now()}`;
    const studies = new Map<Mode, Study>();
    const sampler = (mode: Mode) =>
      new TPESampler(mode === "tpe-mv" ? { ...options, seed: 1 } : { replay: "optuna-3.1", ...options, seed: 1, multivariate: false, group: false });
    studies.set("tpe", await createStudy({ studyName, storage, sampler: sampler("tpe"), direction: "minimize" }));
    studies.set("tpe-mv", await loadStudy({ studyName, storage, sampler: sampler("tpe-mv") }));
    return new HpoSide(name, { storage, studyName, studies, serverCpu, spec });
  }

  async grow(trials: readonly HistoryTrial[]): Promise<void> {
    const studyId = this.#studies.get("tpe")!.studyId;
    // A few writes in flight at once: the history of a database side grows in seconds, not minutes.
    const inFlight = this.#storage.kind === "memory" ? 1 : 8;
    let next = 0;
    const writer = async () => {
      while (next < trials.length) {
        const t = trials[next++];
        const created = await this.#storage.createTrial(studyId, {
          state: "RUNNING",
          params: this.#dists.map(([name, d]) => ({ name, distribution: d, internal: toInternalOf(d, t.params[name]) })),
        });
        await this.#storage.updateTrial(created.trialId, { finish: { state: "COMPLETE", values: [t.value] } });
      }
    };
    await Promise.all(Array.from({ length: inFlight }, writer));
  }

  async time(mode: Mode, reps: number, minMs = 0): Promise<AskTimes> {
    const study = this.#studies.get(mode)!;
    const out: AskTimes = { wall: [], cpu: [], serverCpu: this.#serverCpu ? [] : null };
    const start = performance.now();
    for (let r = 0; r < reps || performance.now() - start < minMs; r++) {
      const server0 = this.#serverCpu ? await this.#serverCpu.sample() : null;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const trial = await study.ask();
      for (const [name, d] of this.#dists) suggestThrough(trial, name, d);
      const wall = performance.now() - t0;
      const c = process.cpuUsage(c0);
      if (server0) out.serverCpu!.push(backendCpuBetween(server0, await this.#serverCpu!.sample()) * 1000);
      // FAIL keeps the COMPLETE history at exactly n trials.
      await study.tell(trial, { state: "FAIL" });
      out.wall.push(wall);
      out.cpu.push((c.user + c.system) / 1000);
    }
    return out;
  }

  async close(): Promise<void> {
    for (const s of this.#studies.values()) await s.close();
    await this.#storage.deleteStudy(this.#studyName).catch(() => undefined);
    await this.#storage.close();
    await this.#serverCpu?.close();
  }
}

interface Args {
  sizes: number[];
  reps: number;
  rounds: number;
  turnMs: number;
  warmup: number;
  storages: string[];
  postgres: string;
  optuna: string[];
  optunaSrc: string | undefined;
  /** Optuna's own database per version (its schema is not hpo's), or null for memory only. */
  optunaPostgres: ((version: string) => string) | null;
  options: TPESamplerOptions;
}

function parse(argv: string[]): Args {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: "string", default: "1000,10000" },
      reps: { type: "string", default: "30" },
      rounds: { type: "string", default: "5" },
      "turn-ms": { type: "string", default: "250" },
      warmup: { type: "string", default: "1000" },
      storages: { type: "string", default: "memory,postgres" },
      postgres: { type: "string" },
      optuna: { type: "string", default: "4.9,3.1" },
      "optuna-src": { type: "string" },
      "optuna-postgres": { type: "string" },
      options: { type: "string", default: "{}" },
    },
  });
  const list = (s: string) => s.split(",").map((x) => x.trim()).filter(Boolean);
  const positive = (flag: string, s: string) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag}: expected a positive integer, found "${s}"`);
    return n;
  };
  const storages = list(values.storages!);
  for (const s of storages) if (s !== "memory" && s !== "postgres") throw new Error(`--storages: expected memory and/or postgres, found "${s}"`);
  const reps = positive("reps", values.reps!);
  const postgres = values.postgres ?? process.env.HPO_BENCH_PG ?? process.env.HPO_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
  const optunaPostgres = (version: string) => {
    // Each Optuna version migrates its schema its own way: one database per version.
    const u = new URL(values["optuna-postgres"] ?? databaseBeside(postgres, "optuna_tpe_latency"));
    u.pathname += `_${version.replace(/\D/g, "").slice(0, 2)}`;
    return u.toString();
  };
  return {
    sizes: list(values.sizes!).map((s) => positive("sizes", s)).sort((a, b) => a - b),
    reps,
    rounds: Math.min(reps, positive("rounds", values.rounds!)),
    turnMs: positive("turn-ms", values["turn-ms"]!),
    warmup: positive("warmup", values.warmup!),
    storages,
    postgres,
    optuna: values.optuna === "none" ? [] : list(values.optuna!),
    optunaSrc: values["optuna-src"],
    optunaPostgres: values["optuna-postgres"] === "none" || !storages.includes("postgres") ? null : optunaPostgres,
    options: JSON.parse(values.options!) as TPESamplerOptions,
  };
}

async function openSides(args: Args, spec: FunctionSpec): Promise<Side[]> {
  const sides: Side[] = [];
  const { peers, missing } = optunaPeers(args.optuna, args.optunaSrc);
  for (const line of missing) console.log(`  ${line}`);
  for (const peer of peers) {
    const hint = peer.label === "3.1" ? `; ${OPTUNA_31_HOWTO}` : "";
    try {
      sides.push(await OptunaSide.open(peer.env, spec));
    } catch (e) {
      console.log(`  Optuna ${peer.label} skipped: ${(e as Error).message}${hint}`);
      continue;
    }
    if (!args.optunaPostgres) continue;
    const url = args.optunaPostgres(peer.label);
    try {
      await ensureDatabase(url);
      sides.push(await OptunaSide.open(peer.env, spec, url));
    } catch (e) {
      console.log(`  Optuna ${peer.label} on PostgreSQL skipped (${redactUrl(url)}): ${(e as Error).message}${hint}`);
    }
  }
  for (const s of args.storages) {
    if (s === "memory") {
      sides.push(await HpoSide.open("hpo memory", await openStorage("memory"), spec, args.options, null));
      continue;
    }
    try {
      const storage = await openStorage(args.postgres);
      const serverCpu = await PostgresBackendCpu.open(args.postgres);
      sides.push(await HpoSide.open("hpo postgres", storage, spec, args.options, serverCpu));
    } catch (e) {
      console.log(`  hpo postgres skipped (${redactUrl(args.postgres)}): ${(e as Error).message}`);
    }
  }
  return sides;
}

/** Median wall and CPU ms per ask, and the mean server CPU ms per ask where there is one. */
interface Cell {
  wall: number;
  cpu: number;
  server: number | null;
  reps: number;
}

function cellOf(t: AskTimes): Cell {
  const server = t.serverCpu && t.serverCpu.length ? t.serverCpu.reduce((a, b) => a + b, 0) / t.serverCpu.length : null;
  return { wall: median(t.wall), cpu: median(t.cpu), server, reps: t.wall.length };
}

export default async function tpeLatency(argv: string[]): Promise<void> {
  const args = parse(argv);
  const spec = loadFunctionSpecs().find((f) => f.name === SPACE);
  if (!spec) throw new Error(`${SPACE} missing from ../shared/bench/functions.json`);
  const objective = FUNCTIONS[SPACE];
  const loadBefore = loadAverages();
  console.log(`TPE ask latency, side by side: ${SPACE} (ask + ${spec.params.length} suggests), load average ${loadBefore} at the start`);
  const sides = await openSides(args, spec);
  if (sides.length === 0) throw new Error("nothing to measure");
  const results = new Map<string, Cell>(); // `${side}|${mode}|${n}`
  const rng = new SeededRandom(7);
  const history: HistoryTrial[] = [];
  try {
    for (const n of args.sizes) {
      const fresh: HistoryTrial[] = [];
      while (history.length < n) {
        const params = randomParams(spec, rng);
        const t = { params, value: objective(params) };
        history.push(t);
        fresh.push(t);
      }
      for (const side of sides) {
        const t0 = performance.now();
        await side.grow(fresh);
        process.stderr.write(`  ${side.name}: history at ${n} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
      }
      for (const side of sides) await warmUp(side, side.peer === "hpo" ? args.warmup : OPTUNA_WARMUP, args.turnMs);
      const times = new Map<string, AskTimes>();
      for (let round = 0; round < args.rounds; round++) {
        const reps = Math.floor(args.reps / args.rounds) + (round < args.reps % args.rounds ? 1 : 0);
        // Rotate who goes first, so no side always follows the same neighbour.
        const order = sides.flatMap((side) => MODES.map((mode) => ({ side, mode })));
        const shift = (round * 3) % order.length;
        for (const { side, mode } of [...order.slice(shift), ...order.slice(0, shift)]) {
          const t = await side.time(mode, reps, args.turnMs);
          const key = `${side.name}|${mode}|${n}`;
          const acc = times.get(key) ?? { wall: [], cpu: [], serverCpu: t.serverCpu ? [] : null };
          acc.wall.push(...t.wall);
          acc.cpu.push(...t.cpu);
          if (t.serverCpu) acc.serverCpu!.push(...t.serverCpu);
          times.set(key, acc);
        }
        process.stderr.write(`  n=${n}: round ${round + 1}/${args.rounds} done\n`);
      }
      for (const [key, t] of times) results.set(key, cellOf(t));
    }
  } finally {
    for (const side of sides) await side.close().catch((e) => console.error(`  closing ${side.name}: ${(e as Error).message}`));
  }
  const nMax = args.sizes.at(-1)!;
  const floor = measureKernelFloor(nMax, spec.params.length);
  report(args, sides, results, { ...floor, params: spec.params.length }, loadBefore, nMax);
}

/** `asks` untimed asks per mode, in turns of `turnMs` that alternate the modes as the timed rounds do. */
async function warmUp(side: Side, asks: number, turnMs: number): Promise<void> {
  const done = new Map<Mode, number>(MODES.map((m) => [m, 0]));
  while (MODES.some((m) => done.get(m)! < asks)) {
    for (const mode of MODES) {
      if (done.get(mode)! >= asks) continue;
      const t = await side.time(mode, 1, turnMs);
      done.set(mode, done.get(mode)! + t.wall.length);
    }
  }
}

function report(args: Args, sides: Side[], results: Map<string, Cell>, floor: ReturnType<typeof measureKernelFloor> & { params: number }, loadBefore: string, nMax: number): void {
  const get = (side: string, mode: Mode, n: number) => results.get(`${side}|${mode}|${n}`);
  const optunas = sides.filter((s): s is OptunaSide => s instanceof OptunaSide);
  const hpos = sides.filter((s) => s.peer === "hpo");

  console.log(
    `\nPer ask, median over ${args.rounds} interleaved rounds (turns of ≥ ${Math.floor(args.reps / args.rounds)} asks and ≥ ${args.turnMs} ms; hpo after ${args.warmup} warm-up asks per mode): wall ms / process CPU ms [asks timed]` +
      `${sides.some((s) => s.name.includes("postgres")) ? " (+ mean CPU ms of the PostgreSQL backends)" : ""}; n COMPLETE trials in history`,
  );
  const t1: string[][] = [["sampler", "side", ...args.sizes.map((n) => `n=${n}`)]];
  for (const mode of MODES) {
    for (const side of sides) {
      t1.push([
        mode,
        side instanceof OptunaSide && !side.onPostgres ? `${side.name} (memory)` : side.name,
        ...args.sizes.map((n) => {
          const c = get(side.name, mode, n);
          if (!c) return "—";
          return `${fmt(c.wall)} / ${fmt(c.cpu)}${c.server !== null ? ` (+${fmt(c.server)})` : ""} [${c.reps}]`;
        }),
      ]);
    }
  }
  printTable(t1);

  for (const o of optunas) {
    const is49 = o.version.startsWith("4.9");
    // Optuna on PostgreSQL is compared with hpo on PostgreSQL only, client + server CPU on
    // both sides; Optuna in memory with every hpo side, hpo's client CPU alone.
    const against = o.onPostgres ? hpos.filter((h) => h.name.includes("postgres")) : hpos;
    const measure = o.onPostgres ? "CPU-time ratio, process + PostgreSQL backends on both sides" : "CPU-time ratio of the processes";
    console.log(`\nhpo against ${o.name}, same history, same run: ${measure} (wall-time ratio)${is49 ? `; target ≥ ${TARGET}× CPU` : ""}`);
    const t2: string[][] = [["sampler", "hpo side", ...args.sizes.map((n) => `n=${n}`)]];
    for (const mode of MODES) {
      for (const h of against) {
        t2.push([
          mode,
          h.name,
          ...args.sizes.map((n) => {
            const a = get(o.name, mode, n);
            const b = get(h.name, mode, n);
            if (!a || !b) return "—";
            const cpu = o.onPostgres ? (a.cpu + (a.server ?? 0)) / (b.cpu + (b.server ?? 0)) : a.cpu / b.cpu;
            const cell = `${fmt(cpu)}× (${fmt(a.wall / b.wall)}×)`;
            const extra = o.onPostgres
              ? `, processes alone ${fmt(a.cpu / b.cpu)}×`
              : b.server !== null
                ? `, ${fmt(a.cpu / (b.cpu + b.server))}× with hpo's server CPU`
                : "";
            return `${cell}${extra}${is49 ? (cpu >= TARGET ? " met" : " NOT met") : ""}`;
          }),
        ]);
      }
    }
    printTable(t2);
  }
  if (!optunas.some((o) => o.version.startsWith("4.9"))) console.log("\n(no Optuna 4.9 in this run: no verdict on the 10× target)");

  console.log(
    `\nDistance from the floor at n=${nMax}: 24 candidates scored against ${nMax} kernels × ${floor.params} params. ` +
      `The issue's estimate: 2–3 ms. Measured now, a plain exact loop over Float64Arrays (bench/_kernel-floor.ts; hpo can go below it by skipping kernels that cannot matter): ` +
      `joint (tpe-mv, one exp per candidate and kernel) ${fmt(floor.joint.cpu)} ms CPU; per parameter (tpe, one exp per candidate, kernel and param) ${fmt(floor.perParameter.cpu)} ms CPU`,
  );
  const t3: string[][] = [["sampler", "hpo side", "CPU ms", "× the 2–3 ms estimate", "plain loop ms", "× plain loop"]];
  for (const mode of MODES) {
    const f = mode === "tpe-mv" ? floor.joint.cpu : floor.perParameter.cpu;
    for (const h of hpos) {
      const c = get(h.name, mode, nMax);
      if (!c) continue;
      t3.push([mode, h.name, fmt(c.cpu), `${fmt(c.cpu / 3)}–${fmt(c.cpu / 2)}×`, fmt(f), `${fmt(c.cpu / f)}×`]);
    }
  }
  printTable(t3);
  console.log(`\nload average ${loadBefore} at the start, ${loadAverages()} at the end`);
}
