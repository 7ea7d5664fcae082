/**
 * `npm run bench -- feed [--clients 500] [--rate 1000] [--seconds 10] [--workers 4]
 *   [--steps 200] [--storage memory|pglite|postgres] [--client-procs 2] [--slow 0] [--measure-every 10]
 *   [--queue-frames 256] [--batch-ms N]`
 *
 * The live feed under load: a study whose workers (trials running `--workers` at a time
 * in this process, as under `hpo run --serve`) report `--rate` values per second in all,
 * served by startFeedServer to `--clients` WebSocket clients in `--client-procs` other
 * processes, all subscribed to the study. Each reported value is the time of its
 * report() call, so a client measures report() → receipt for every value it gets. Every
 * client checks seq continuity; every `--measure-every`-th one also decodes every frame
 * and records latencies (decoding in all 500 would measure JSON.parse on this machine).
 *
 * Prints p50/p90/p99/max latency, what the workers achieved, events and frames delivered,
 * gaps seen by clients (must be 0), resyncs (clients told they were too slow) and the
 * events the server dropped from their queues. `--slow K` adds K clients (in a process of
 * their own) that stop reading for the whole measurement, then catch up (by resyncing if
 * the server gave up on their queues) without touching the others; `--queue-frames` sets the server's per-client queue limit (maxQueuedFrames).
 */
import { fork, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createStudy, decodeFeedMessage, openStorage, RandomSampler, startFeedServer, type Storage } from "../src/index.ts";
import { LatencyHistogram } from "./_latency-histogram.ts";

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface ClientStats {
  type: "stats";
  measuring: number;
  fast: { counts: [number, number][]; n: number; max: number };
  slow: { counts: [number, number][]; n: number; max: number };
  gaps: number;
  resyncs: number;
  received: number;
  frames: number;
  behind: number;
}

export default async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      clients: { type: "string", default: "500" },
      rate: { type: "string", default: "1000" },
      seconds: { type: "string", default: "10" },
      workers: { type: "string", default: "4" },
      steps: { type: "string", default: "200" },
      storage: { type: "string", default: "memory" },
      "client-procs": { type: "string", default: "2" },
      slow: { type: "string", default: "0" },
      "measure-every": { type: "string", default: "10" },
      "queue-frames": { type: "string", default: "256" },
      "batch-ms": { type: "string" },
      postgres: { type: "string" },
    },
  });
  const clients = Number(values.clients);
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const workers = Number(values.workers);
  const steps = Number(values.steps);
  const procs = Math.max(1, Math.min(Number(values["client-procs"]), clients));
  const slow = Number(values.slow);
  const measureEvery = Math.max(1, Number(values["measure-every"]));

  const folder = mkdtempSync(join(tmpdir(), "hpo-bench-feed-"));
  const pgUrl = values.postgres ?? process.env.HPO_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
  const url = values.storage === "memory" ? "memory" : values.storage === "pglite" ? join(folder, "db") : pgUrl;
  const storage: Storage = await openStorage(url);
  const studyName = `bench-feed-${Date.now().toString(36)}`;
  const study = await createStudy({ studyName, storage, direction: "minimize", sampler: new RandomSampler({ seed: 1 }) });
  const server = await startFeedServer({ storage, port: 0, log: (m) => console.error(m), feed: { maxQueuedFrames: Number(values["queue-frames"]), ...(values["batch-ms"] === undefined ? {} : { batchMs: Number(values["batch-ms"]) }) } });
  const wsUrl = `${server.url.replace(/^http/, "ws")}ws`;
  console.log(`feed benchmark: ${clients} clients in ${procs} process(es)${slow ? ` (+${slow} slow ones in another)` : ""}, ${rate} reports/s from ${workers} workers, ${seconds} s, storage ${storage.kind}`);

  // Clients, split over processes; each process says when all its clients have their snapshot.
  const script = fileURLToPath(new URL("./_feed-clients.ts", import.meta.url));
  const children: ChildProcess[] = [];
  const ready: Promise<void>[] = [];
  // Slow clients get a process of their own: their bursts of catching up must not delay the others' reads.
  const groups = Array.from({ length: procs }, (_, p) => ({ n: Math.floor(clients / procs) + (p < clients % procs ? 1 : 0), slow: 0 }));
  if (slow > 0) groups.push({ n: slow, slow });
  for (const g of groups) {
    const child = fork(script, [wsUrl, studyName, String(g.n), String(g.slow), String(measureEvery)], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    children.push(child);
    ready.push(new Promise((resolve) => child.on("message", (m: { type: string }) => m.type === "ready" && resolve())));
  }
  const connectStart = performance.now();
  await Promise.all(ready);
  console.log(`clients subscribed in ${((performance.now() - connectStart) / 1000).toFixed(1)} s`);

  // One more subscriber inside this process, without a socket: the feed's own delay
  // (storage → read → fan-out), apart from sockets and the client processes.
  const inProcess = new LatencyHistogram();
  let inProcessFrom = Infinity;
  const session = server.feed.openSession();
  session.onFrames(() => {
    for (let f = session.nextFrame(); f; f = session.nextFrame()) {
      const t = now();
      const m = decodeFeedMessage(f.text);
      if (m.type !== "events") continue;
      for (const e of m.events) if (e.type === "reported" && typeof e.payload.value === "number" && e.payload.value >= inProcessFrom) inProcess.add(t - e.payload.value);
    }
  });
  session.receive(JSON.stringify({ type: "subscribe", study: studyName }));

  // Workers: each trial reports `steps` values, paced so the study reports `rate` per second.
  const interval = (1000 * workers) / rate;
  let stop = false;
  let reports = 0;
  let lateMs = 0;
  const warmup = 1000;
  const start = now();
  const measureFrom = start + warmup;
  for (const c of children) c.send({ type: "measure", from: measureFrom });
  inProcessFrom = measureFrom;
  let nextWorker = 0;
  const optimizing = study.optimize(
    async (trial) => {
      trial.suggestFloat("x", 0, 1);
      // Workers start staggered so their reports interleave evenly.
      let due = now() + (interval * (nextWorker++ % workers)) / workers;
      for (let step = 0; step < steps && !stop; step++) {
        const wait = due - now();
        if (wait > 0) await sleep(wait);
        else lateMs = Math.max(lateMs, -wait);
        trial.report(now(), step);
        reports++;
        due += interval;
      }
      return 0;
    },
    { concurrency: workers, timeout: seconds + warmup / 1000 },
  );
  const stopper = setTimeout(() => (stop = true), seconds * 1000 + warmup);
  await optimizing;
  clearTimeout(stopper);
  stop = true;
  const elapsed = (now() - start) / 1000;

  // Let every client catch up, then collect.
  const head = (await storage.getTrials(study.studyId, { changedSince: Number.MAX_SAFE_INTEGER })).version;
  const stats = await Promise.all(
    children.map(
      (c) =>
        new Promise<ClientStats>((resolve) => {
          c.on("message", (m: ClientStats) => m.type === "stats" && resolve(m));
          c.send({ type: "drain", head });
        }),
    ),
  );
  const fast = new LatencyHistogram();
  const slowHist = new LatencyHistogram();
  for (const s of stats) {
    fast.merge(s.fast);
    slowHist.merge(s.slow);
  }
  const sum = (f: (s: ClientStats) => number) => stats.reduce((a, s) => a + f(s), 0);
  const feedStats = server.feed.stats;
  const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)} ms` : "-");
  console.log("");
  console.log(`workers: ${reports} reports in ${elapsed.toFixed(1)} s = ${(reports / elapsed).toFixed(0)}/s (target ${rate}/s; worst lateness of a report ${lateMs.toFixed(1)} ms); study events: ${head}`);
  console.log(`latency report() → receipt, measured by ${sum((s) => s.measuring)} of the ${clients} clients (every ${measureEvery}th), ${fast.n} samples (after ${warmup} ms warm-up):`);
  console.log(`  p50 ${ms(fast.quantile(0.5))}   p90 ${ms(fast.quantile(0.9))}   p99 ${ms(fast.quantile(0.99))}   max ${ms(fast.max)}`);
  console.log(`  in-process subscriber (no socket, same feed): p50 ${ms(inProcess.quantile(0.5))}   p99 ${ms(inProcess.quantile(0.99))}   max ${ms(inProcess.max)}`);
  if (slow > 0) console.log(`  slow clients (${slow}): p50 ${ms(slowHist.quantile(0.5))}   p99 ${ms(slowHist.quantile(0.99))}   samples ${slowHist.n}`);
  console.log(`delivered: ${sum((s) => s.received)} events in ${sum((s) => s.frames)} frames; clients behind at the end: ${sum((s) => s.behind)}`);
  console.log(`dropped: ${feedStats.droppedEvents} events dropped from slow clients' queues (recovered by resync); gaps seen by clients: ${sum((s) => s.gaps)}`);
  console.log(`resynced: ${sum((s) => s.resyncs)} resync messages received (server counted ${feedStats.resyncs})`);
  console.log(`load average (1 min) at the end: ${loadavg()[0].toFixed(2)}`);

  await server.close();
  await study.close();
  await storage.close();
  rmSync(folder, { recursive: true, force: true });
}
