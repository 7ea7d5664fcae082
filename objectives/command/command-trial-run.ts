import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { holdExitUntil } from "../../src/internal/exit-holds.ts";
import { terminalSafe } from "../../src/internal/terminal-text.ts";
import { TrialPruned } from "../../src/vocabulary/trial-pruned.ts";
import { UnstorableDataError } from "../../src/storage/storage-errors.ts";
import { BoundedTail } from "./bounded-tail.ts";
import { CAPTIONS_PREFIX } from "./caption-message.ts";
import { scoreCaptionsMessage } from "./caption-scoring-step.ts";
import type { CommandTrial } from "./command-trial.ts";
import { gpusFromEnvironment, type ResolvedCommandOptions } from "./command-options.ts";
import { processGpuPool, type GpuSlot } from "./gpu-slot-pool.ts";
import { LineSplitter } from "./line-splitter.ts";
import { ProcessGroup, type ExitStatus } from "./process-group.ts";
import { isShuttingDown, trackProcessGroup } from "./process-group-registry.ts";
import { recordCaptionScores } from "./record-caption-scores.ts";
import { parseReportLine, type ReportedValue } from "./report-line-parser.ts";
import { TrialLog } from "./trial-log.ts";
import { renderArguments, trialEnvironment, type TrialContext } from "./trial-environment.ts";

/** How long to wait for stdout/stderr to close once the whole process group is gone. */
const STREAM_CLOSE_WAIT_MS = 2000;

/** Why a run was stopped before its program ended on its own. */
type StopReason = "pruned" | "timeout" | "error";

/**
 * Runs one trial's program to its end: GPU slot, trial folder and log, process group,
 * reports to the trial, pruning and timeout; returns the value or throws (TrialPruned for
 * PRUNED, an Error whose message says why for FAIL). Never leaves a process behind.
 */
export async function runCommandTrial(options: ResolvedCommandOptions, trial: CommandTrial): Promise<ReportedValue> {
  if (isShuttingDown()) throw new Error(`command: the runner is shutting down; trial ${trial.number} not started`);
  const studyDir = resolve(options.logDir, pathSegment(trial.studyName));
  const trialDir = join(studyDir, `trial-${trial.number}`);
  // A retry gets the folder its predecessor wrote checkpoints to, so it can resume from them.
  const retryOf = typeof trial.retryOf === "number" ? { trialNumber: trial.retryOf, trialDir: join(studyDir, `trial-${trial.retryOf}`) } : null;
  const context: TrialContext = { trialNumber: trial.number, studyName: trial.studyName, trialDir, retryOf };
  const argv = renderArguments(options.cmd, trial.params, context);
  const env: NodeJS.ProcessEnv = {
    // Python block-buffers a piped stdout, which would hold reports back until the end.
    PYTHONUNBUFFERED: "1",
    ...process.env,
    ...options.env,
    ...trialEnvironment(trial.params, context),
  };
  const devices = options.gpus ?? gpusFromEnvironment();

  await mkdir(trialDir, { recursive: true });
  const log = await TrialLog.open(join(trialDir, "output.log"));
  let slot: GpuSlot | null = null;
  try {
    await trial.setUserAttr("log_path", log.path);
    if (devices !== null) {
      slot = await processGpuPool.acquire(devices);
      env.CUDA_VISIBLE_DEVICES = slot.device;
      await trial.setUserAttr("gpu", slot.device);
    }
    return await runProgram(options, trial, argv, env, log, trialDir);
  } finally {
    slot?.release();
    const logError = await log.close();
    if (logError) options.onWarning(`hpo command (trial ${trial.number}): log incomplete: ${logError.message}`);
  }
}

/** Spawns the program and follows it; see runCommandTrial. */
async function runProgram(
  options: ResolvedCommandOptions,
  trial: CommandTrial,
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  log: TrialLog,
  trialDir: string,
): Promise<ReportedValue> {
  const group = await ProcessGroup.spawn(argv, { cwd: options.cwd, env });
  const untrack = trackProcessGroup(group, options.gracePeriod);
  const label = `hpo command (trial ${trial.number})`;
  const stderrTail = new BoundedTail({ maxLines: options.stderrTailLines });

  let stopReason: StopReason | null = null;
  let stopping: Promise<void> = Promise.resolve();
  let failure: unknown = null;
  const stop = (reason: StopReason): void => {
    if (stopReason !== null) return;
    stopReason = reason;
    stopping = group.terminate(options.gracePeriod);
    // An interrupted study returns before its trials end: the CLI must not exit (and SIGKILL
    // the program) before the program had its grace period to save a checkpoint.
    holdExitUntil(`the program of trial ${trial.number} to stop (grace period ${options.gracePeriod} ms)`, stopping);
  };
  const timer = options.timeout === null ? null : setTimeout(() => stop("timeout"), options.timeout);
  // The trial ended without us (interrupted, failed as stale elsewhere): stop the program now.
  const onAbort = (): void => {
    failure ??= trial.signal?.reason ?? new Error("the trial was aborted");
    stop("error");
  };
  if (trial.signal?.aborted) onAbort();
  else trial.signal?.addEventListener("abort", onAbort, { once: true });

  let result: ReportedValue | undefined;
  let lastReport: { step: number; value: ReportedValue } | undefined;
  let stdoutLine = 0;
  const handleStdoutLine = async (line: string): Promise<void> => {
    stdoutLine += 1;
    const parsed = parseReportLine(line);
    if (parsed.kind === "output") return log.writeLine(line);
    if (parsed.kind === "invalid") {
      options.onWarning(`${label}: ignored stdout line ${stdoutLine} (${parsed.reason}): ${terminalSafe(clip(line, 200))}`);
      return log.writeLine(line);
    }
    if (stopReason !== null) return; // once stopping, nothing the program says counts
    if (parsed.kind === "result") {
      result = parsed.value;
      return;
    }
    if (parsed.kind === "captions") {
      const { message } = parsed;
      const scoring = await scoreCaptionsMessage(message, trialDir, (m) => options.onWarning(`${label}: ${m}`));
      if (!scoring.ok) {
        options.onWarning(`${label}: ignored stdout line ${stdoutLine} (${CAPTIONS_PREFIX} not scored: ${scoring.error})`);
        return;
      }
      if (!refusedBy(() => recordCaptionScores(trial, message.step, message.split, scoring.scores))) {
        if (await trial.shouldPrune()) stop("pruned");
      }
      return;
    }
    const { step, value } = parsed;
    if (refusedBy(() => trial.report(value, step))) return;
    lastReport = { step, value };
    if (await trial.shouldPrune()) stop("pruned");
  };
  // A value the trial rejects is one bad line; anything else (the trial was finished or
  // interrupted elsewhere) means nobody listens any more: it is thrown, and stops the program.
  const refusedBy = (record: () => void): boolean => {
    try {
      record();
      return false;
    } catch (e) {
      if (!(e instanceof TypeError || e instanceof RangeError || e instanceof UnstorableDataError)) throw e;
      options.onWarning(`${label}: ignored stdout line ${stdoutLine} (the trial refused it: ${e.message})`);
      return true;
    }
  };

  const onReaderError = (e: unknown): void => {
    // The trial's report/shouldPrune failed (storage, interrupted): stop the program, fail.
    failure ??= e;
    stop("error");
  };
  const readings = [
    readLines(group.stdout, options.maxLineLength, handleStdoutLine, onReaderError),
    readLines(group.stderr, options.maxLineLength, (line) => {
      stderrTail.push(line);
      return log.writeLine(line);
    }, onReaderError),
  ];

  let exit: ExitStatus;
  try {
    exit = await group.exited;
    // Whatever the program left running in its group (workers, a shell's children) goes too.
    if (stopReason === null && group.isAlive()) await group.terminate(options.gracePeriod);
    await stopping;
    await drain(readings);
    await stopping; // a last report may have asked to prune after the program ended
  } finally {
    if (timer !== null) clearTimeout(timer);
    trial.signal?.removeEventListener("abort", onAbort);
    if (!group.leaderExited || group.isAlive()) await group.terminate(options.gracePeriod);
    untrack();
  }

  const command = clip(argv.join(" "), 200);
  const stderrText = () =>
    stderrTail.lines().length > 0
      ? `\n--- last ${stderrTail.lines().length} lines of stderr ---\n${stderrTail.toString()}`
      : `\n(stderr was empty; output is in ${log.path})`;
  const finalReason = stopReason as StopReason | null; // assigned in callbacks
  if (failure !== null) throw failure;
  if (finalReason === "pruned") {
    throw new TrialPruned(`trial ${trial.number} was pruned at step ${lastReport?.step}; its program was stopped`);
  }
  if (finalReason === "timeout") {
    throw new Error(`command timed out after ${options.timeout} ms and was stopped: ${command}${stderrText()}`);
  }
  if ((exit.signal !== null || exit.code !== 0) && isShuttingDown()) {
    throw new Error(`command was stopped because the runner is shutting down: ${command}`);
  }
  if (exit.signal !== null) throw new Error(`command was killed by ${exit.signal}: ${command}${stderrText()}`);
  if (exit.code !== 0) throw new Error(`command exited with code ${exit.code}: ${command}${stderrText()}`);
  if (result !== undefined) return result;
  if (lastReport !== undefined) return lastReport.value;
  throw new Error(`command exited 0 without printing "hpo:result {...}" or "hpo:report {...}": ${command} (output in ${log.path})`);
}

/** A stream being read line by line. */
interface LineReading {
  readonly stream: Readable;
  /** Settles once the stream ended (or was destroyed) and every line was handled. */
  readonly done: Promise<void>;
  /** True while nothing is buffered or being handled: only new data could come. */
  idle(): boolean;
}

/**
 * Feeds a stream's lines, one at a time, to an async handler; the handler paces the
 * reading (backpressure reaches the program). A failure goes to `onError`, once.
 */
function readLines(
  stream: Readable,
  maxLineLength: number,
  handle: (line: string) => Promise<void>,
  onError: (e: unknown) => void,
): LineReading {
  const splitter = new LineSplitter({ maxLineLength });
  let waiting = true;
  const done = (async () => {
    try {
      for await (const chunk of stream) {
        waiting = false;
        for (const line of splitter.push(chunk as Buffer)) await handle(line);
        waiting = true;
      }
    } catch (e) {
      // A destroyed pipe (see drain) ends the reading; anything else is real.
      if ((e as NodeJS.ErrnoException).code !== "ERR_STREAM_PREMATURE_CLOSE") throw e;
    }
    for (const line of splitter.end()) await handle(line);
  })().catch(onError);
  return { stream, done, idle: () => waiting && stream.readableLength === 0 };
}

/**
 * Waits for the readers to finish once the program's group is gone. A process that left
 * the group (a daemonised grandchild) may hold a pipe open forever: a reader still idle
 * after STREAM_CLOSE_WAIT_MS is cut off. One that is busy (a slow pruner) is never cut,
 * so no report the program printed is lost.
 */
async function drain(readings: readonly LineReading[]): Promise<void> {
  const all = Promise.all(readings.map((r) => r.done)).then(() => true);
  while (!(await Promise.race([all, sleep(STREAM_CLOSE_WAIT_MS, false, { ref: false })]))) {
    for (const reading of readings) if (reading.idle()) reading.stream.destroy();
  }
}

/** A study name made safe as one folder name. */
function pathSegment(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, "_");
  return safe === "" || safe === "." || safe === ".." ? "_" : safe;
}

/** Text cut to `max` characters for a message. */
function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

