import { accessSync, appendFileSync, closeSync, constants, fstatSync, mkdirSync, openSync, readSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { decodeJson, encodeJson } from "../../src/storage/json-codec.ts";
import type { ReportEvent, StudyEndEvent, StudyStartEvent, Tracker, TrialFinishEvent, TrialStartEvent } from "../../src/tracking/tracker.ts";
import { trialDurationMs, type FrozenTrial } from "../../src/vocabulary/frozen-trial.ts";
import type { JsonlEvent } from "./jsonl-event.ts";
import { resolveJsonlSettings, type JsonlOptions, type JsonlSettings } from "./jsonl-options.ts";

/**
 * Appends every study event as one JSON line to `<path>/<study>.jsonl` (one file per study,
 * appended across runs, so a resumed study continues its file). Each line is appended before
 * the call that produced it returns, so a process killed with SIGKILL loses at most the line
 * being written (a torn last line, which readers skip). The folder is created (or checked)
 * here: a path that cannot be written throws at once, naming the cause.
 *
 * @example
 * defineStudy({ ..., trackers: [jsonl({ path: "runs/" })] })
 */
export function jsonl(options: JsonlOptions = {}): Tracker {
  const settings = resolveJsonlSettings(options);
  ensureWritableFolder(settings.path);
  return new JsonlTracker(settings);
}

/**
 * Creates the folder and the missing ones above it, then checks it can be written; throws
 * a TypeError naming the folder and the cause. One level at a time on purpose: Node's
 * recursive mkdir spins forever where the kernel answers ENOENT for a parent that exists
 * (a path under /proc), which held the process up to the tracker's close timeout.
 */
function ensureWritableFolder(path: string): void {
  const folder = resolve(path);
  const missing: string[] = [];
  let at = folder;
  while (!exists(at)) {
    missing.unshift(at);
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  const fail = (what: string, e: unknown): never => {
    const err = e as NodeJS.ErrnoException;
    const cause = err.code ? `${err.code} (${err.message.replace(/^\w+: /, "").replace(/, \w+ '.*'$/, "")})` : err.message;
    throw new TypeError(`jsonl(): path "${path}": ${what}: ${cause}`);
  };
  for (const dir of missing) {
    try {
      mkdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT" && exists(dirname(dir))) {
        fail(`cannot create the folder ${dir}`, new Error("the file system does not allow new folders there"));
      }
      fail(`cannot create the folder ${dir}`, e);
    }
  }
  if (!statSync(folder).isDirectory()) fail(`${folder} is not a folder`, new Error("a file of that name exists"));
  try {
    accessSync(folder, constants.W_OK);
  } catch (e) {
    fail(`the folder ${folder} is not writable`, e);
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The file a study's events go to: `<folder>/<study name, URI-encoded>.jsonl`. */
export function jsonlFileFor(folder: string, studyName: string): string {
  return join(folder, `${encodeURIComponent(studyName)}.jsonl`);
}

/**
 * Reads an event file back (non-finite numbers restored). A line cut short by a crash (the
 * process was killed while appending it) is skipped, with one warning per such line.
 */
export async function readJsonlEvents(file: string, options: { warn?: (message: string) => void } = {}): Promise<JsonlEvent[]> {
  const text = await readFile(file, "utf8");
  const warn = options.warn ?? ((m: string) => console.warn(m));
  const events: JsonlEvent[] = [];
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    try {
      events.push(decodeJson<JsonlEvent>(line));
    } catch {
      const where = i === lines.length - 1 ? "its last line" : `line ${i + 1}`;
      warn(`hpo: jsonl: ${file}: skipped ${where}, cut short (the writing process was killed): ${line.slice(0, 80)}`);
    }
  });
  return events;
}

/** The JSONL tracker (see {@link jsonl}). */
export class JsonlTracker implements Tracker {
  readonly name = "jsonl";
  readonly #settings: JsonlSettings;
  /** Files this tracker has appended to (checked once for a torn last line). */
  readonly #opened = new Set<string>();
  readonly #warned = new Set<string>();

  constructor(settings: JsonlSettings) {
    this.#settings = settings;
  }

  /** Records the run's start. */
  onStudyStart(e: StudyStartEvent): void {
    this.#append({ event: "study_start", time: now(), study: e.studyName, directions: e.directions, nTrials: e.nTrials ?? null, finishedBefore: e.finishedBefore });
  }

  /** Records a trial's start with the params known up front. */
  onTrialStart(e: TrialStartEvent): void {
    this.#append({ event: "trial_start", time: now(), study: e.studyName, trial: e.trial.number, params: e.trial.params, retryOf: retryOf(e.trial) });
  }

  /** Records one report: the watched metric's value and every metric by name. */
  onReport(e: ReportEvent): void {
    this.#append({ event: "report", time: now(), study: e.studyName, trial: e.trialNumber, step: e.step, value: e.value, metrics: e.metrics, params: e.params });
  }

  /** Records a finished trial: state, value(s), params, intermediate values, metrics, attrs, timing. */
  onTrialFinish(e: TrialFinishEvent): void {
    const t = e.trial;
    this.#append({
      event: "trial_finish",
      time: now(),
      study: e.studyName,
      trial: t.number,
      state: t.state,
      value: t.value,
      values: t.values,
      params: t.params,
      intermediateValues: [...t.intermediateValues].sort((a, b) => a[0] - b[0]),
      metrics: [...t.metrics].sort((a, b) => a[0] - b[0]),
      userAttrs: t.userAttrs,
      failReason: typeof t.systemAttrs.fail_reason === "string" ? t.systemAttrs.fail_reason : null,
      retryOf: retryOf(t),
      started: t.datetimeStart?.toISOString() ?? null,
      completed: t.datetimeComplete?.toISOString() ?? null,
      durationMs: trialDurationMs(t),
    });
  }

  /** Records the end of the run. */
  onStudyEnd(e: StudyEndEvent): void {
    this.#append({ event: "study_end", time: now(), study: e.studyName, reason: e.reason });
  }

  /** Nothing is held back: every line was written when its event came. */
  async close(): Promise<void> {}

  /**
   * Appends one line now (one write of the whole line, O_APPEND): a crash loses at most the
   * line being written. The first append to a file in this process ends a torn last line
   * left by a killed run, so the new lines start on a line of their own.
   */
  #append(event: JsonlEvent): void {
    const file = jsonlFileFor(this.#settings.path, event.study);
    try {
      const prefix = this.#opened.has(file) || endsWithNewline(file) ? "" : "\n";
      this.#opened.add(file);
      appendFileSync(file, `${prefix}${encodeJson(event)}\n`, "utf8");
    } catch (e) {
      if (!this.#warned.has(file)) {
        this.#warned.add(file);
        this.#settings.log(`hpo: jsonl: cannot append to ${file}: ${(e as Error).message} (events are dropped; the study goes on)`);
      }
    }
  }
}

/** The number of the trial a retry retries, or null. */
function retryOf(t: FrozenTrial): number | null {
  return typeof t.systemAttrs.retry_of === "number" ? t.systemAttrs.retry_of : null;
}

/** Whether a file is missing, empty or ends with a newline (no torn line to close). */
function endsWithNewline(file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return true;
    throw e;
  }
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return true;
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    return last[0] === 0x0a;
  } finally {
    closeSync(fd);
  }
}

function now(): string {
  return new Date().toISOString();
}
