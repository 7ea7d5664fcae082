import { consoleTracker } from "../../trackers/console/console-tracker.ts";
import { parentProgressTrackers } from "./parent-progress.ts";
import { formatText } from "../../trackers/console/format-value.ts";
import { parseStorageUrl } from "../storage/open-storage.ts";
import { createStudy } from "../study/create-study.ts";
import type { Study } from "../study/study.ts";
import type { StudyDefinition } from "../study-file/study-definition.ts";
import { withSpace } from "../study-file/search-space.ts";
import type { Tracker } from "../tracking/tracker.ts";
import type { RunFlags } from "./run-options.ts";
import { printStudySummary } from "./study-summary.ts";
import { CliError } from "./cli-error.ts";
import { separateSamplerStream } from "./sampler-stream.ts";
import { labelledObjective, labelledTracker, onStuck } from "./awaited-work.ts";
import { recordPinnedGpu } from "./gpu-plan.ts";
import { MAX_TRIALS } from "./parse-flags.ts";

/** Builds the trackers named on the command line (loaded only when named); a bad spec is a one-line usage error. */
export async function trackersFromFlags(specs: readonly string[]): Promise<Tracker[]> {
  if (specs.length === 0) return [];
  const { trackerFromSpec } = await import("../../trackers/from-spec.ts");
  const out: Tracker[] = [];
  for (const spec of specs) {
    try {
      out.push(await trackerFromSpec(spec));
    } catch (e) {
      // The spec's own errors already name the flag.
      throw new CliError((e as Error).message);
    }
  }
  return out;
}

/** Who runs trials: the `hpo run` process itself, or an `hpo worker` process. */
export type RunnerRole = "runner" | "worker";

/** Opens (or creates) the study a definition names, with its sampler, pruner and worker settings. */
export async function openDefinedStudy(def: StudyDefinition, storageUrl: string | undefined): Promise<Study> {
  return createStudy({
    studyName: def.name,
    storage: storageUrl,
    directions: def.directions ? [...def.directions] : undefined,
    direction: def.directions ? undefined : def.direction,
    sampler: def.sampler,
    pruner: def.pruner,
    metric: def.metric,
    loadIfExists: true,
    heartbeatInterval: def.heartbeatInterval,
    gracePeriod: def.gracePeriod,
    maxRetries: def.maxRetries,
    checkpointDir: def.checkpointDir,
    syncInterval: def.syncInterval,
  });
}

/** Trials of every state the study holds. */
export async function countAllTrials(study: Study): Promise<number> {
  const { byState } = await study.storage.countTrials(study.studyId);
  return Object.values(byState).reduce((a, b) => a + b, 0);
}

/**
 * Recovers trials a previous run left behind and prints the run's opening line; returns the
 * study-wide budget (`more` trials beyond those finished, when given).
 */
export async function prepareStudy(
  study: Study,
  planned: number | undefined,
  storageUrl: string | undefined,
  log: (m: string) => void,
  file?: string,
  more?: number,
): Promise<number | undefined> {
  // Remembered so `hpo resume <study>` knows what to run.
  if (file) await study.storage.setStudyAttrs(study.studyId, "system", { study_file: file });
  // RUNNING trials found at start-up are leftovers of a dead process unless another process
  // can share the storage: an embedded folder has one owner (the lock), and memory starts empty.
  const recovered = await study.recover({ runningAreDead: !study.storage.traits.sharedAcrossProcesses });
  for (const r of recovered) {
    log(`hpo: trial ${r.failed} (${r.reason}) ${r.retry !== null ? `will be retried as trial ${r.retry}` : "has no retries left"}`);
  }
  const { byState, retriedFails } = await study.storage.countTrials(study.studyId);
  const finished = byState.COMPLETE + byState.PRUNED + byState.FAIL - retriedFails;
  const budget = more !== undefined ? Math.min(MAX_TRIALS, finished + more) : planned;
  const target = parseStorageUrl(storageUrl);
  const where = target.kind === "pglite" ? `embedded storage ${target.folder ?? "(memory)"}` : study.storage.location;
  log(
    `hpo: study "${formatText(study.studyName)}" (${study.directions.join(", ")}) on ${where}: ${finished} trial(s) already finished` +
      (budget !== undefined ? `, budget ${budget}` : ", no trial budget (runs until --timeout or Ctrl-C)") +
      (more !== undefined ? ` (${more} more)` : "") +
      (byState.RUNNING ? `, ${byState.RUNNING} running elsewhere` : ""),
  );
  return budget;
}

/**
 * Runs a study's trials in this process until the study-wide budget is reached (also when
 * other processes work on it), Ctrl-C, or the timeout. Returns the exit code.
 */
export async function runStudyInProcess(
  def: StudyDefinition,
  flags: RunFlags,
  role: RunnerRole,
  log: (m: string) => void,
  file?: string,
): Promise<number> {
  const storageUrl = flags.storage ?? process.env.HPO_STORAGE ?? def.storage;
  // Built before the study is opened: a bad --tracker creates nothing.
  const flagTrackers = await trackersFromFlags(flags.trackers);
  const study = await openDefinedStudy(def, storageUrl);
  try {
    let budget = flags.nTrials ?? def.nTrials;
    separateSamplerStream(def.sampler, role === "runner" ? { kind: "runner", trialsAtStart: await countAllTrials(study) } : { kind: "worker", env: process.env });
    if (role === "runner") budget = await prepareStudy(study, budget, storageUrl, log, file, flags.moreTrials);
    const catchAll = !flags.noCatch;
    if (role === "runner" && catchAll && def.catch === undefined) {
      log("hpo: a trial whose objective throws is recorded as FAIL and the study goes on (--no-catch stops at the first error)");
    }
    if (budget !== undefined && (await study.budgetReached(budget))) {
      if (role === "runner") {
        log("hpo: the budget is already reached; nothing to run");
        await printStudySummary(study, log);
      }
      return 0;
    }
    const trackers: Tracker[] = [...(flags.quiet ? [] : [consoleTracker()]), ...(def.trackers ?? []), ...flagTrackers, ...parentProgressTrackers(process.env)].map(
      labelledTracker,
    );
    const controller = new AbortController();
    let interrupts = 0;
    const onSignal = () => {
      interrupts++;
      if (interrupts > 1) process.exit(130);
      if (role === "runner") log("\nhpo: interrupted: marking running trials FAIL (interrupted); press Ctrl-C again to quit at once");
      controller.abort();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    // A worker of `hpo run --workers` whose parent died (even by kill -9) stops as on SIGTERM.
    const onParentGone = () => onSignal();
    process.on("disconnect", onParentGone);
    const unstuck = onStuck(async () => {
      const failed = await study.interrupt("its objective never settled (a promise that never resolves or rejects)");
      return failed > 0 ? `${failed} running trial(s) marked FAIL` : null;
    });
    let reason: string;
    try {
      const result = await study.optimize(labelledObjective(recordPinnedGpu(withSpace(def.space, def.objective))), {
        budget,
        timeout: flags.timeout ?? def.timeout,
        concurrency: flags.concurrency ?? def.concurrency ?? flags.gpus?.length ?? 1,
        catch: catchAll ? (def.catch ?? true) : false,
        trackers,
        signal: controller.signal,
      });
      reason = result.reason;
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      process.off("disconnect", onParentGone);
      unstuck();
    }
    if (role === "runner") await printStudySummary(study, log);
    if (reason === "interrupted") {
      if (role === "runner") log(`hpo: stopped; run the same command again to continue study "${formatText(study.studyName)}"`);
      return 130;
    }
    return 0;
  } finally {
    await study.close();
  }
}
