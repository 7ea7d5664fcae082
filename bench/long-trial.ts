/**
 * `npm run bench -- long-trial [--reports 4000,16000] [--pruner median|percentile|threshold|sha]`
 *
 * One long trial on memory storage that reports every step and asks its pruner after each
 * report, as a command program printing a report line per step does. Prints the CPU time
 * of report + shouldPrune per 1,000 reports at each length, and the ratio of the longest to
 * the shortest: 1.0 means a prune check costs the same however long the trial already is.
 * Measured (median pruner, load 13–25): 18.5 s of CPU at 16k before StepView, 0.9 s with it,
 * 45 s after named metrics were merged (the snapshot copied every metric row), 1.57 s with
 * MetricLog (load 6).
 */
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { createStudy, MedianPruner, PercentilePruner, SuccessiveHalvingPruner, ThresholdPruner, type Pruner } from "../src/index.ts";

function prunerNamed(name: string): Pruner {
  if (name === "percentile") return new PercentilePruner({ percentile: 25, nStartupTrials: 1 });
  if (name === "threshold") return new ThresholdPruner({ upper: 2 });
  if (name === "sha") return new SuccessiveHalvingPruner();
  return new MedianPruner({ nStartupTrials: 1 });
}

function flag(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
}

/** Runs the benchmark and prints one line per trial length. */
export default async function run(args: string[]): Promise<void> {
  const lengths = flag(args, "reports", "4000,16000").split(",").map(Number);
  const prunerName = flag(args, "pruner", "median");
  const study = await createStudy({ studyName: "long-trial", storage: "memory", pruner: prunerNamed(prunerName) });
  // A few finished trials for the pruner to compare against.
  await study.optimize(async (t) => {
    for (let s = 0; s < 200; s++) t.report(1 - s / 200, s);
    return 0;
  }, { nTrials: 3 });
  console.log(`long-trial: ${prunerName} pruner, report + shouldPrune at every step, memory storage`);
  const perThousand: number[] = [];
  for (const n of lengths) {
    const trial = await study.ask();
    const cpu = process.cpuUsage();
    const wall = performance.now();
    for (let s = 0; s < n; s++) {
      trial.report(1 + Math.sin(s), s);
      await trial.shouldPrune();
    }
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    perThousand.push(cpuMs / (n / 1000));
    await study.tell(trial, 1);
    console.log(
      `  ${String(n).padStart(6)} reports: CPU ${(cpuMs / 1000).toFixed(2)} s (${(cpuMs / (n / 1000)).toFixed(1)} ms per 1,000), wall ${((performance.now() - wall) / 1000).toFixed(2)} s, load ${loadavg()[0].toFixed(2)}`,
    );
  }
  console.log(`  CPU per 1,000 reports, longest / shortest trial: ${(perThousand.at(-1)! / perThousand[0]).toFixed(2)} (1.00: independent of length)`);
  await study.close();
}
