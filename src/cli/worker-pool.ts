import { fork, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { consoleTracker } from "../../trackers/console/console-tracker.ts";
import { formatText } from "../../trackers/console/format-value.ts";
import type { StudyDefinition } from "../study-file/study-definition.ts";
import { IpcStorageHost } from "../storage/ipc/ipc-storage-host.ts";
import type { RunFlags } from "./run-options.ts";
import { RUN_START_TRIALS_ENV, WORKER_INDEX_ENV } from "./sampler-stream.ts";
import { PARENT_REPORTS_FAILURES_ENV } from "./parent-progress.ts";
import { countAllTrials, openDefinedStudy, prepareStudy, trackersFromFlags } from "./study-runner.ts";
import { printStudySummary } from "./study-summary.ts";
import { watchStudyProgress } from "./study-progress-watcher.ts";
import { FINISHED_STATES } from "../vocabulary/trial-state.ts";
import { PINNED_GPU_ENV, type GpuPlan } from "./gpu-plan.ts";
import { packageRoot } from "../internal/package-root.ts";
import { forwardLines } from "./child-output.ts";

const HPO_BIN = join(packageRoot(), "bin", "hpo.js");

/**
 * `hpo run --workers N`: N worker processes run the study's trials (one training trial per
 * process, so CPU-bound objectives use every core). On PostgreSQL each worker connects
 * itself; on embedded or memory storage this process owns the database and the workers
 * reach it through their IPC channels. This process shows the progress of all of them.
 */
export async function runWithWorkers(
  file: string,
  def: StudyDefinition,
  flags: RunFlags,
  workers: number,
  log: (m: string) => void,
  gpuPlan?: GpuPlan,
): Promise<number> {
  const storageUrl = flags.storage ?? process.env.HPO_STORAGE ?? def.storage;
  // The workers build their own; checked here so that a bad --tracker creates nothing.
  await trackersFromFlags(flags.trackers);
  const study = await openDefinedStudy(def, storageUrl);
  // Workers open a storage shared across processes themselves; any other they reach through this process.
  const direct = study.storage.traits.sharedAcrossProcesses;
  const host = direct ? null : new IpcStorageHost(study.storage);
  try {
    const trialsAtStart = await countAllTrials(study);
    const budget = await prepareStudy(study, flags.nTrials ?? def.nTrials, storageUrl, log, file, flags.moreTrials);
    if (budget !== undefined && (await study.budgetReached(budget))) {
      log("hpo: the budget is already reached; nothing to run");
      await printStudySummary(study, log);
      return 0;
    }
    log(`hpo: starting ${workers} worker process(es)${direct ? "" : " (they reach the storage through this process)"}${gpuPlan ? `, one trial each, on GPUs ${gpuPlan.devices.join(", ")}` : ""}`);
    const tracker = flags.quiet ? null : consoleTracker();
    const finishedBefore = (await study.trials({ states: FINISHED_STATES })).length;
    const best = study.directions.length === 1 ? await study.bestTrial.catch(() => null) : null;
    tracker?.onStudyStart?.({
      studyName: study.studyName,
      directions: study.directions,
      nTrials: budget === undefined ? undefined : Math.max(0, budget - finishedBefore),
      finishedBefore,
      ...(best ? { best: { number: best.number, value: best.value as number } } : {}),
    });
    const stopWatching = tracker ? await watchStudyProgress(study, tracker) : null;

    const args = ["worker", file, "--storage", direct ? storageUrl! : "ipc:parent", "--quiet"];
    // The budget this run resolved (--more-trials is relative to now: the workers get its total).
    if (budget !== undefined && (flags.nTrials !== undefined || flags.moreTrials !== undefined)) args.push("--n-trials", String(budget));
    // A worker pinned to a GPU runs one trial at a time: the plan already made one worker per trial.
    if (gpuPlan) args.push("--concurrency", "1");
    else if (flags.concurrency !== undefined) args.push("--concurrency", String(flags.concurrency));
    if (flags.timeout !== undefined) args.push("--timeout", String(flags.timeout));
    if (flags.noCatch) args.push("--no-catch");
    for (const spec of flags.trackers) args.push("--tracker", spec);
    const children: ChildProcess[] = [];
    const exits: Promise<number>[] = [];
    for (let i = 0; i < workers; i++) {
      // Each worker gets its own GPU in its environment, so CUDA_VISIBLE_DEVICES is set before
      // the worker (and any GPU library in it) starts.
      const device = gpuPlan?.devices[i];
      const gpuEnv = device === undefined ? {} : { CUDA_VISIBLE_DEVICES: device, HPO_GPUS: device, [PINNED_GPU_ENV]: device };
      const child = fork(HPO_BIN, args, {
        serialization: "advanced",
        // A session of its own: a terminal's Ctrl-C reaches only this process, which passes it
        // on once (a worker that got it twice, from both, would take it as "quit at once").
        // A worker whose parent dies notices its IPC channel closing and stops by itself.
        detached: true,
        // Piped, and passed on line by line: see forwardLines.
        stdio: ["ignore", "pipe", "pipe", "ipc"],
        // The index and the study's size at the start give each worker its own sampler stream.
        env: { ...process.env, [WORKER_INDEX_ENV]: String(i), [RUN_START_TRIALS_ENV]: String(trialsAtStart), ...(tracker ? { [PARENT_REPORTS_FAILURES_ENV]: "1" } : {}), ...gpuEnv },
      });
      forwardLines(child.stdout!, process.stdout);
      forwardLines(child.stderr!, process.stderr);
      host?.attach(child);
      children.push(child);
      // "close", not "exit": the worker's last output lines are through by then.
      exits.push(new Promise((resolve) => child.on("close", (code, signal) => resolve(code ?? (signal === "SIGINT" ? 130 : 1)))));
    }
    let interrupted = false;
    const onSignal = (signal: NodeJS.Signals) => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill(signal);
      if (interrupted) process.exit(130);
      interrupted = true;
      log("\nhpo: interrupted: workers mark their running trials FAIL (interrupted); Ctrl-C again quits at once");
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    let codes: number[];
    try {
      codes = await Promise.all(exits);
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
    await stopWatching?.();
    tracker?.onStudyEnd?.({ studyName: study.studyName, reason: interrupted ? "interrupted" : "completed" });
    await printStudySummary(study, log);
    if (interrupted) {
      log(`hpo: stopped; run the same command again to continue study "${formatText(study.studyName)}"`);
      return 130;
    }
    const failed = codes.filter((c) => c !== 0);
    if (failed.length) log(`hpo: ${failed.length} worker(s) exited with an error (codes ${failed.join(", ")})`);
    return failed.length ? 1 : 0;
  } finally {
    await host?.close();
    await study.close();
  }
}
