import { hostname } from "node:os";
import { toWandbJson } from "../wandb-json.ts";
import type { TrialRunState } from "../trial-run-state.ts";
import type { TrialRunIdentity, TrialRunSink, WandbBackend } from "../trial-run-sink.ts";
import { OfflineRunFile } from "./offline-run-file.ts";
import type { RecordItem } from "./wandb-record.ts";

/** Writes each trial's run to `<dir>/wandb/offline-run-…/run-<id>.wandb` for `wandb sync`. */
export class WandbOfflineBackend implements WandbBackend {
  readonly #dir: string;
  readonly #log: (message: string) => void;
  readonly #warned = new Set<string>();
  #active = true;

  constructor(dir: string, log: (message: string) => void) {
    this.#dir = dir;
    this.#log = log;
  }

  /** False after a file could not be created or written. */
  get active(): boolean {
    return this.#active;
  }

  /** Opens the run's file and writes its header and run record. */
  readonly createSink = (identity: TrialRunIdentity, state: TrialRunState): TrialRunSink =>
    new OfflineTrialRun(this.#dir, identity, state, (e) => {
      this.warnOnce("write", `hpo: wandb: cannot write the offline run under ${this.#dir}/wandb: ${(e as Error).message}; offline W&B logging is off`);
      this.#active = false;
    });

  /** Nothing runs in the background beyond file writes, which finish on their own. */
  abort(): void {}

  /** Logs a message once per key. */
  warnOnce(key: string, message: string): void {
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    this.#log(message);
  }
}

/** One trial's offline run: records are appended as the trial goes. */
class OfflineTrialRun implements TrialRunSink {
  readonly done: Promise<void>;
  readonly #state: TrialRunState;
  readonly #file: Promise<OfflineRunFile | null>;
  readonly #onError: (e: unknown) => void;
  #config: Record<string, unknown>;
  #writes: Promise<void> = Promise.resolve();
  #resolveDone!: () => void;

  constructor(dir: string, identity: TrialRunIdentity, state: TrialRunState, onError: (e: unknown) => void) {
    this.#state = state;
    this.#onError = onError;
    this.#config = state.config();
    this.done = new Promise((resolve) => (this.#resolveDone = resolve));
    this.#file = OfflineRunFile.create(dir, identity.runId, state.startedAt).then(
      (file) => file,
      (e: unknown) => {
        onError(e);
        this.#resolveDone();
        return null;
      },
    );
    const started = state.startedAt.getTime();
    this.#write([
      { type: "header" },
      {
        type: "run",
        run: {
          runId: identity.runId,
          project: identity.project,
          ...(identity.entity && { entity: identity.entity }),
          config: items(this.#config),
          runGroup: identity.group,
          jobType: identity.jobType,
          displayName: identity.displayName,
          ...(identity.notes && { notes: identity.notes }),
          tags: identity.tags,
          host: hostname(),
          startTime: { seconds: Math.floor(started / 1000), nanos: (started % 1000) * 1_000_000 },
        },
      },
    ]);
  }

  /** Appends a config record with the params that changed. */
  paramsChanged(): void {
    const next = this.#state.config();
    const changed = Object.fromEntries(Object.entries(next).filter(([k, v]) => toWandbJson(this.#config[k]) !== toWandbJson(v) || !(k in this.#config)));
    this.#config = next;
    if (Object.keys(changed).length > 0) this.#write([{ type: "config", update: items(changed) }]);
  }

  /** Appends a history record. */
  historyRow(row: Readonly<Record<string, unknown>>): void {
    this.#write([{ type: "history", items: items(row), step: row._step as number }]);
  }

  /** Appends exit, summary, final and footer records (the order the W&B SDK writes), then closes. */
  finish(summary: Readonly<Record<string, unknown>>, exitCode: number, runtimeSeconds: number): void {
    this.#write([
      { type: "exit", exitCode, runtime: Math.round(runtimeSeconds) },
      { type: "summary", update: items(summary) },
      { type: "final" },
      { type: "footer" },
    ]);
    this.#writes = this.#writes.then(async () => {
      const file = await this.#file;
      await file?.close();
      this.#resolveDone();
    }).catch((e: unknown) => {
      this.#onError(e);
      this.#resolveDone();
    });
  }

  #write(records: Parameters<OfflineRunFile["append"]>): void {
    this.#writes = this.#writes.then(async () => {
      const file = await this.#file;
      await file?.append(...records);
    }).catch((e: unknown) => this.#onError(e));
  }
}

function items(values: Readonly<Record<string, unknown>>): RecordItem[] {
  return Object.entries(values).map(([key, v]) => ({ key, valueJson: toWandbJson(v) }));
}
