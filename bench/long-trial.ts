/**
 * `npm run bench -- long-trial [--reports 4000,16000] [--pruner median|percentile|threshold|sha|hyperband|patient]
 *   [--command 200000] [--storage memory|FOLDER|postgres://…] [--finished-reports 200]`
 *
 * One long trial (on memory storage unless --storage names another, where the study
 * `long-trial-<pid>` is left behind) that reports every step and asks its pruner after each
 * report, as a command program printing a report line per step does. Prints the CPU time
 * of report + shouldPrune per 1,000 reports at each length, and the ratio of the longest to
 * the shortest: 1.0 means a prune check costs the same however long the trial already is.
 * Three finished trials of `--finished-reports` steps come first, for the pruner to compare
 * against (successive halving and Hyperband take their "auto" resource from the first).
 *
 * `--command N` runs that case for real instead: a program (Node) prints N `hpo:report`
 * lines as fast as the pipe takes them, through the command objective, whose reader stops
 * while a report and its prune check run; it prints the wall time from spawn to the
 * trial's end, hpo's CPU time and the reports per second. Its values only improve, so no
 * pruner stops it early.
 *
 * Measured: see docs/guarantees.md (the pruner paragraph) for the figures and their load.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import {
  createStudy,
  HyperbandPruner,
  MedianPruner,
  PatientPruner,
  PercentilePruner,
  SuccessiveHalvingPruner,
  ThresholdPruner,
  type Pruner,
  type Study,
} from "../src/index.ts";
import { command } from "../objectives/command/index.ts";

const PRUNERS = ["median", "percentile", "threshold", "sha", "hyperband", "patient"] as const;

function prunerNamed(name: string): Pruner {
  switch (name) {
    case "median":
      return new MedianPruner({ nStartupTrials: 1 });
    case "percentile":
      return new PercentilePruner({ percentile: 25, nStartupTrials: 1 });
    case "threshold":
      return new ThresholdPruner({ upper: 2 });
    case "sha":
      return new SuccessiveHalvingPruner();
    case "hyperband":
      return new HyperbandPruner();
    case "patient":
      // A window of 100 steps, then the median rule: the wrapped pruner is asked on every stall.
      return new PatientPruner({ wrappedPruner: new MedianPruner({ nStartupTrials: 1 }), patience: 100 });
  }
  throw new Error(`long-trial: --pruner must be one of ${PRUNERS.join(", ")}, got ${name}`);
}

function flag(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
}

const load = (): string => loadavg()[0].toFixed(2);
const cpuMsSince = (start: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};

/** Runs the benchmark and prints one line per trial length. */
export default async function run(args: string[]): Promise<void> {
  const prunerName = flag(args, "pruner", "median");
  const storage = flag(args, "storage", "memory");
  const study = await createStudy({ studyName: `long-trial-${process.pid}`, storage, pruner: prunerNamed(prunerName) });
  const finishedReports = Number(flag(args, "finished-reports", "200"));
  // A few finished trials for the pruner to compare against.
  await study.optimize(async (t) => {
    for (let s = 0; s < finishedReports; s++) t.report(1 - s / finishedReports, s);
    return 0;
  }, { nTrials: 3 });
  const commandReports = flag(args, "command", "");
  try {
    if (commandReports !== "") await commandProgram(study, prunerName, storage, Number(commandReports));
    else await inProcess(study, prunerName, storage, flag(args, "reports", "4000,16000").split(",").map(Number));
  } finally {
    await study.close();
  }
}

async function inProcess(study: Study, prunerName: string, storage: string, lengths: number[]): Promise<void> {
  console.log(`long-trial: ${prunerName} pruner, report + shouldPrune at every step, ${storage} storage`);
  const perThousand: number[] = [];
  for (const n of lengths) {
    const trial = await study.ask();
    const cpu = process.cpuUsage();
    const wall = performance.now();
    for (let s = 0; s < n; s++) {
      trial.report(1 + Math.sin(s), s);
      await trial.shouldPrune();
    }
    const cpuMs = cpuMsSince(cpu);
    perThousand.push(cpuMs / (n / 1000));
    await study.tell(trial, 1);
    console.log(
      `  ${String(n).padStart(6)} reports: CPU ${(cpuMs / 1000).toFixed(2)} s (${(cpuMs / (n / 1000)).toFixed(1)} ms per 1,000), wall ${((performance.now() - wall) / 1000).toFixed(2)} s, load ${load()}`,
    );
  }
  console.log(`  CPU per 1,000 reports, longest / shortest trial: ${(perThousand.at(-1)! / perThousand[0]).toFixed(2)} (1.00: independent of length)`);
}

/** The report lines of a program that improves at every step, written in 64 KiB chunks. */
const PROGRAM = `
const n = Number(process.argv[1]);
let chunk = "";
for (let s = 0; s < n; s++) {
  chunk += 'hpo:report {"step":' + s + ',"value":' + (-1 - s / n) + '}\\n';
  if (chunk.length > 65536) { process.stdout.write(chunk); chunk = ""; }
}
process.stdout.write(chunk + 'hpo:result {"value":-2}\\n');
`;

async function commandProgram(study: Study, prunerName: string, storage: string, n: number): Promise<void> {
  console.log(`long-trial --command: ${prunerName} pruner, a program printing ${n} report lines, ${storage} storage`);
  const logDir = mkdtempSync(join(tmpdir(), "hpo-long-trial-"));
  try {
    const objective = command({ cmd: [process.execPath, "-e", PROGRAM, String(n)], logDir });
    const cpu = process.cpuUsage();
    const wall = performance.now();
    await study.optimize(objective, { nTrials: 1 });
    const seconds = (performance.now() - wall) / 1000;
    const cpuMs = cpuMsSince(cpu);
    const trial = (await study.trials()).at(-1)!;
    console.log(
      `  ${String(n).padStart(6)} report lines: ${trial.state} with ${trial.intermediateValues.size} reports, wall ${seconds.toFixed(2)} s (${Math.round(trial.intermediateValues.size / seconds)} reports/s), hpo CPU ${(cpuMs / 1000).toFixed(2)} s, load ${load()}`,
    );
  } finally {
    rmSync(logDir, { recursive: true, force: true });
  }
}
