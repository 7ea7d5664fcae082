import type { TrialRunState } from "../trial-run-state.ts";
import { wrapConfig } from "../trial-run-state.ts";
import { offlineRunDirName } from "../offline/offline-run-file.ts";
import type { TrialRunIdentity, TrialRunSink, WandbBackend } from "../trial-run-sink.ts";
import { toWandbJson } from "../wandb-json.ts";
import type { WandbSettings } from "../wandb-options.ts";
import { WandbGraphqlError, type UpsertedRun, type WandbGraphqlApi } from "./graphql-api.ts";
import { WandbAbortedError, WandbAuthError, WandbRequestError, type WandbHttp } from "./wandb-http.ts";

/** What an online run needs from its backend. */
export interface OnlineRunDeps {
  readonly http: WandbHttp;
  readonly api: WandbGraphqlApi;
  readonly settings: WandbSettings;
  onAuthError(e: WandbAuthError): void;
  warnOnce(key: string, message: string): void;
}

const HISTORY_FILE = "wandb-history.jsonl";
const SUMMARY_FILE = "wandb-summary.json";
/** History lines per file_stream post (the W&B SDK pushes at most 10 000 items). */
const MAX_LINES_PER_POST = 1_000;
/** Extra tries of `upsertBucket` when the reply carries a GraphQL error. */
const GRAPHQL_ERROR_RETRIES = 2;

/**
 * One trial's run on the W&B API. A background loop creates the run (`upsertBucket`),
 * then posts history lines to file_stream at most once per batch interval, a heartbeat
 * when idle, and `{complete: true, exitcode}` at the end. Unsent lines stay queued and are
 * resent from the same offset until acknowledged, so a failed post loses nothing; a run that
 * could not be sent whole by the end is kept, whole, for {@link spoolTo}.
 */
export class OnlineTrialRun implements TrialRunSink {
  readonly done: Promise<void>;
  readonly #identity: TrialRunIdentity;
  readonly #state: TrialRunState;
  readonly #deps: OnlineRunDeps;
  #location: UpsertedRun | null = null;
  /** Bumped when params change; the config went out when the sent version catches up. */
  #configVersion = 0;
  #sentConfigVersion = -1;
  /** Every history row of the run (kept after sending: a run that cannot be completed is saved whole). */
  readonly #rows: Readonly<Record<string, unknown>>[] = [];
  #sentLines = 0;
  #summary: string | null = null;
  #sentSummary: string | null = null;
  #finalSummary: Readonly<Record<string, unknown>> | null = null;
  #exitCode: number | null = null;
  #runtimeSeconds = 0;
  #completed = false;
  #lastPostAt = 0;
  #wake: (() => void) | null = null;

  constructor(identity: TrialRunIdentity, state: TrialRunState, deps: OnlineRunDeps) {
    this.#identity = identity;
    this.#state = state;
    this.#deps = deps;
    this.done = this.#run();
  }

  /** Config goes out (re-upserted) before the next batch. */
  paramsChanged(): void {
    this.#configVersion++;
  }

  /** Whether the server acknowledged the whole run, its completion included. */
  get completed(): boolean {
    return this.#completed;
  }

  /** Queues a history line; the live summary follows the last row. */
  historyRow(row: Readonly<Record<string, unknown>>): void {
    this.#rows.push(row);
    this.#summary = toWandbJson(this.#state.liveSummary());
    this.#poke();
  }

  /** Queues the final summary and exit code; the loop drains and completes the run. */
  finish(summary: Readonly<Record<string, unknown>>, exitCode: number, runtimeSeconds: number): void {
    this.#summary = toWandbJson(summary);
    this.#finalSummary = summary;
    this.#exitCode = exitCode;
    this.#runtimeSeconds = runtimeSeconds;
    this.#poke();
  }

  /**
   * Writes the whole run (config, every history row, summary, exit code) as an offline run
   * for `wandb sync`, under the same run id; resolves to its folder, or null when it could
   * not be written. For a run the server did not complete: nothing it held is lost.
   */
  async spoolTo(offline: WandbBackend, baseDir: string): Promise<string | null> {
    const sink = offline.createSink(this.#identity, this.#state);
    for (const row of this.#rows) sink.historyRow(row);
    const summary = this.#finalSummary ?? { ...this.#state.liveSummary(), trial_state: "interrupted", trial_number: this.#state.trialNumber };
    sink.finish(summary, this.#exitCode ?? 1, this.#runtimeSeconds);
    await sink.done;
    return offline.active ? `${baseDir}/wandb/${offlineRunDirName(this.#identity.runId, this.#state.startedAt)}` : null;
  }

  async #run(): Promise<void> {
    try {
      await this.#loop();
    } catch (e) {
      if (e instanceof WandbAuthError) this.#deps.onAuthError(e);
      else if (!(e instanceof WandbAbortedError)) {
        this.#deps.warnOnce("unexpected", `hpo: wandb: run ${this.#identity.runId} stopped: ${(e as Error)?.message ?? String(e)}`);
      }
    }
  }

  async #loop(): Promise<void> {
    const { batchIntervalMs, heartbeatIntervalMs } = this.#deps.settings;
    for (;;) {
      if (!this.#location) {
        if (await this.#create()) {
          this.#lastPostAt = Date.now();
          continue;
        }
        if (this.#exitCode !== null) return; // finished and still no run: give up
        await this.#sleep(batchIntervalMs);
        continue;
      }
      if (this.#exitCode !== null) {
        // Completion only after everything before it was acknowledged; otherwise the run
        // ends unsent and is saved whole for `wandb sync` when the tracker closes.
        if (await this.#drain()) this.#completed = await this.#post({ complete: true, exitcode: this.#exitCode }, "the end of the run");
        return;
      }
      const now = Date.now();
      if (this.#hasPending()) {
        const due = this.#lastPostAt + batchIntervalMs;
        if (now >= due) await this.#flush();
        else await this.#sleep(due - now);
      } else {
        const due = this.#lastPostAt + heartbeatIntervalMs;
        if (now >= due) {
          await this.#post({ complete: false, failed: false }, "a heartbeat");
          this.#lastPostAt = Date.now();
        } else await this.#sleep(due - now);
      }
    }
  }

  /** Creates the run; false (after warning) when it could not be created this time. */
  async #create(): Promise<boolean> {
    try {
      this.#location = await this.#upsert();
      return true;
    } catch (e) {
      this.#warnRecoverable("upsert", `creating run ${this.#identity.runId} (trial ${this.#state.trialNumber})`, e);
      return false;
    }
  }

  /** Creates or updates the run with the current config (retrying GraphQL errors a little). */
  async #upsert(): Promise<UpsertedRun> {
    const id = this.#identity;
    for (let attempt = 0; ; attempt++) {
      const version = this.#configVersion;
      try {
        const upserted = await this.#deps.api.upsertRun({
          name: id.runId,
          project: this.#location?.project ?? id.project,
          entity: this.#location?.entity ?? id.entity,
          groupName: id.group,
          jobType: id.jobType,
          displayName: id.displayName,
          ...(id.notes !== undefined && { notes: id.notes }),
          tags: id.tags,
          config: toWandbJson(wrapConfig(this.#state.config())),
        });
        this.#sentConfigVersion = Math.max(this.#sentConfigVersion, version);
        return upserted;
      } catch (e) {
        if (!(e instanceof WandbGraphqlError) || attempt >= GRAPHQL_ERROR_RETRIES) throw e;
        await this.#deps.http.sleep(this.#deps.http.backoffMs(attempt));
      }
    }
  }

  /** Sends everything still queued (config, history, summary); false at the first failure. */
  async #drain(): Promise<boolean> {
    while (this.#hasPending()) {
      if (!(await this.#flush())) return false;
    }
    return true;
  }

  /** One batch: config if it changed, then up to MAX_LINES_PER_POST lines and the summary. */
  async #flush(): Promise<boolean> {
    this.#lastPostAt = Date.now();
    if (this.#configDirty()) {
      try {
        await this.#upsert();
      } catch (e) {
        this.#warnRecoverable("config", `updating the config of run ${this.#identity.runId}`, e);
        return false;
      }
    }
    const end = Math.min(this.#rows.length, this.#sentLines + MAX_LINES_PER_POST);
    const summary = this.#summary;
    const files: Record<string, { offset: number; content: string[] }> = {};
    if (end > this.#sentLines) files[HISTORY_FILE] = { offset: this.#sentLines, content: this.#rows.slice(this.#sentLines, end).map((r) => toWandbJson(r)) };
    if (summary !== null && summary !== this.#sentSummary) files[SUMMARY_FILE] = { offset: 0, content: [summary] };
    if (Object.keys(files).length === 0) return true;
    if (!(await this.#post({ files }, "history"))) return false;
    this.#sentLines = end;
    this.#sentSummary = summary;
    return true;
  }

  async #post(body: unknown, what: string): Promise<boolean> {
    const loc = this.#location!;
    const url = `${this.#deps.settings.baseUrl}/files/${[loc.entity, loc.project, loc.name].map(encodeURIComponent).join("/")}/file_stream`;
    try {
      await this.#deps.http.postJson(url, body);
      return true;
    } catch (e) {
      this.#warnRecoverable("file_stream", `sending ${what} of run ${loc.name}`, e);
      return false;
    }
  }

  #hasPending(): boolean {
    return this.#configDirty() || this.#sentLines < this.#rows.length || (this.#summary !== null && this.#summary !== this.#sentSummary);
  }

  #configDirty(): boolean {
    return this.#sentConfigVersion !== this.#configVersion;
  }

  /** Request failures are logged once per kind and retried later; auth and close end the loop. */
  #warnRecoverable(kind: string, doing: string, e: unknown): void {
    if (e instanceof WandbAuthError || e instanceof WandbAbortedError) throw e;
    if (!(e instanceof WandbRequestError || e instanceof WandbGraphqlError)) throw e;
    this.#deps.warnOnce(kind, `hpo: wandb: failed ${doing}: ${e.message} (will retry; the study goes on)`);
  }

  /** Sleeps until the delay passes, new data or the finish arrives, or the tracker closes. */
  #sleep(ms: number): Promise<void> {
    const signal = this.#deps.http.signal;
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new WandbAbortedError("closed"));
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        this.#wake = null;
      };
      const onAbort = () => {
        done();
        reject(new WandbAbortedError("closed"));
      };
      const timer = setTimeout(() => {
        done();
        resolve();
      }, ms);
      timer.unref();
      signal.addEventListener("abort", onAbort, { once: true });
      this.#wake = () => {
        done();
        resolve();
      };
    });
  }

  #poke(): void {
    this.#wake?.();
  }
}
