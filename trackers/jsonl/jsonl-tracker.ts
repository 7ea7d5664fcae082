import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import { appendFile, readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { decodeJson, encodeJson } from "../../src/storage/json-codec.ts";
import type { ReportEvent, StudyEndEvent, StudyStartEvent, Tracker, TrialFinishEvent, TrialStartEvent } from "../../src/tracking/tracker.ts";
import { trialDurationMs } from "../../src/trial/frozen-trial.ts";
import type { JsonlEvent } from "./jsonl-event.ts";
import { resolveJsonlSettings, type JsonlOptions, type JsonlSettings } from "./jsonl-options.ts";

/**
 * Appends every study event as one JSON line to `<path>/<study>.jsonl` (one file per study,
 * appended across runs, so a resumed study continues its file). Lines are buffered and
 * written at most every `flushIntervalMs`, at study end and on close. The folder is created
 * (or checked) here: a path that cannot be written throws at once, naming the cause.
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

/** Reads an event file back (non-finite numbers restored). */
export async function readJsonlEvents(file: string): Promise<JsonlEvent[]> {
  const text = await readFile(file, "utf8");
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => decodeJson<JsonlEvent>(line));
}

/** The JSONL tracker (see {@link jsonl}). */
export class JsonlTracker implements Tracker {
  readonly name = "jsonl";
  readonly #settings: JsonlSettings;
  readonly #pending = new Map<string, string[]>();
  readonly #warned = new Set<string>();
  #timer: NodeJS.Timeout | null = null;
  #writing: Promise<void> = Promise.resolve();

  constructor(settings: JsonlSettings) {
    this.#settings = settings;
  }

  /** Records the run's start. */
  onStudyStart(e: StudyStartEvent): void {
    this.#push({ event: "study_start", time: now(), study: e.studyName, directions: e.directions, nTrials: e.nTrials ?? null, finishedBefore: e.finishedBefore });
  }

  /** Records a trial's start with the params known up front. */
  onTrialStart(e: TrialStartEvent): void {
    this.#push({ event: "trial_start", time: now(), study: e.studyName, trial: e.trial.number, params: e.trial.params });
  }

  /** Records one report: the watched metric's value and every metric by name. */
  onReport(e: ReportEvent): void {
    this.#push({ event: "report", time: now(), study: e.studyName, trial: e.trialNumber, step: e.step, value: e.value, metrics: e.metrics, params: e.params });
  }

  /** Records a finished trial: state, value(s), params, intermediate values, attrs, timing. */
  onTrialFinish(e: TrialFinishEvent): void {
    const t = e.trial;
    this.#push({
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
      started: t.datetimeStart?.toISOString() ?? null,
      completed: t.datetimeComplete?.toISOString() ?? null,
      durationMs: trialDurationMs(t),
    });
  }

  /** Records the end of the run and writes what is buffered. */
  async onStudyEnd(e: StudyEndEvent): Promise<void> {
    this.#push({ event: "study_end", time: now(), study: e.studyName, reason: e.reason });
    await this.#flush();
  }

  /** Writes what is buffered. */
  async close(): Promise<void> {
    await this.#flush();
  }

  #push(event: JsonlEvent): void {
    const file = jsonlFileFor(this.#settings.path, event.study);
    let lines = this.#pending.get(file);
    if (!lines) this.#pending.set(file, (lines = []));
    lines.push(encodeJson(event));
    if (!this.#timer) {
      this.#timer = setTimeout(() => void this.#flush(), this.#settings.flushIntervalMs);
      this.#timer.unref();
    }
  }

  /** Appends each file's buffered lines; serialised so lines keep their order. */
  #flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    const batch = [...this.#pending];
    this.#pending.clear();
    this.#writing = this.#writing.then(async () => {
      for (const [file, lines] of batch) {
        try {
          await appendFile(file, `${lines.join("\n")}\n`, "utf8");
        } catch (e) {
          if (!this.#warned.has(file)) {
            this.#warned.add(file);
            this.#settings.log(`hpo: jsonl: cannot append to ${file}: ${(e as Error).message} (events are dropped; the study goes on)`);
          }
        }
      }
    });
    return this.#writing;
  }
}

function now(): string {
  return new Date().toISOString();
}
