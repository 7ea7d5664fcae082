// One hpo worker process of `npm run bench -- storage`: runs trials on a shared PostgreSQL
// study for a fixed time (or a fixed number of trials) and reports how many it finished. After its report it waits for
// one more message before it closes its connections, so the benchmark can read the
// server's CPU time while the backends still exist.
// usage: tsx _storage-worker.ts <url> <study> <random|tpe> <seconds | trials=K> [syncInterval seconds]
// HPO_BENCH_CPU_PROF=<dir>: a V8 CPU profile of the measured seconds only (not start-up) goes there.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join } from "node:path";
import { createStudy, MedianPruner, RandomSampler, TPESampler, TrialPruned, type Trial } from "../src/index.ts";

const [url, name, samplerName, stop, syncInterval] = process.argv.slice(2);
// After some seconds, or after K measured trials (the benchmark's --trials).
const trialsStop = /^trials=(\d+)$/.exec(stop);
const measured = trialsStop ? { nTrials: Number(trialsStop[1]) } : { timeout: Number(stop) };
const study = await createStudy({
  studyName: name,
  storage: url,
  loadIfExists: true,
  // Optuna's side runs its default (univariate) TPE: compare like with like, not hpo's
  // multivariate default, whose extra scoring work is a sampler cost, not a storage one.
  sampler:
    samplerName === "tpe"
      ? new TPESampler({ replay: "optuna-3.1", seed: process.pid })
      : new RandomSampler({ seed: process.pid }),
  pruner: new MedianPruner(),
  ...(syncInterval ? { syncInterval: Number(syncInterval) } : {}),
});
const pruneMs: number[] = [];
let measuring = false;
const objective = async (trial: Trial): Promise<number> => {
  const x = trial.suggestFloat("x", -10, 10);
  for (let step = 0; step < 3; step++) {
    trial.report(x * x + 1 / (step + 1), step);
    const t0 = performance.now();
    const prune = await trial.shouldPrune();
    if (measuring) pruneMs.push(performance.now() - t0);
    if (prune) throw new TrialPruned();
  }
  return x * x;
};
const nextMessage = () => new Promise<void>((resolve) => process.once("message", () => resolve()));
// Warm-up (JIT, connections), then signal readiness and wait for the common start.
await study.optimize(objective, { nTrials: 5 });
process.send?.({ ready: true });
await nextMessage();
measuring = true;
const profileDir = process.env.HPO_BENCH_CPU_PROF;
const profiler = profileDir ? new Session() : null;
if (profiler) {
  profiler.connect();
  await profiler.post("Profiler.enable");
  await profiler.post("Profiler.start");
}
const start = performance.now();
const cpuBefore = process.cpuUsage();
const result = await study.optimize(objective, measured);
const elapsed = (performance.now() - start) / 1000;
const cpu = process.cpuUsage(cpuBefore);
if (profiler) {
  const { profile } = await profiler.post("Profiler.stop");
  writeFileSync(join(profileDir!, `storage-worker-${samplerName}-${process.pid}.cpuprofile`), JSON.stringify(profile));
}
pruneMs.sort((a, b) => a - b);
process.send?.({ finished: result.finished, elapsed, pruneMedianMs: pruneMs[pruneMs.length >> 1] ?? NaN, cpuMs: (cpu.user + cpu.system) / 1000, systemMs: cpu.system / 1000 });
await nextMessage();
await study.close();
process.exit(0);
