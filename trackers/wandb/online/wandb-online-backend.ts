import type { TrialRunState } from "../trial-run-state.ts";
import { WandbOfflineBackend } from "../offline/wandb-offline-backend.ts";
import type { SpooledRuns, TrialRunIdentity, TrialRunSink, WandbBackend } from "../trial-run-sink.ts";
import type { WandbSettings } from "../wandb-options.ts";
import { WandbGraphqlApi } from "./graphql-api.ts";
import { OnlineTrialRun } from "./online-trial-run.ts";
import { WandbAuthError, WandbHttp } from "./wandb-http.ts";

/** Sends each trial's run to the W&B API (GraphQL `upsertBucket` + file_stream). */
export class WandbOnlineBackend implements WandbBackend {
  readonly #settings: WandbSettings;
  readonly #abort = new AbortController();
  readonly #http: WandbHttp | null;
  readonly #api: WandbGraphqlApi | null;
  readonly #warned = new Set<string>();
  /** Runs not yet acknowledged whole by the server (completed ones are forgotten). */
  readonly #unsent = new Set<OnlineTrialRun>();
  #active: boolean;

  constructor(settings: WandbSettings) {
    this.#settings = settings;
    this.#active = settings.apiKey !== undefined;
    if (settings.apiKey === undefined) {
      this.#http = null;
      this.#api = null;
      return;
    }
    this.#http = new WandbHttp({ ...settings, apiKey: settings.apiKey }, this.#abort.signal);
    this.#api = new WandbGraphqlApi(this.#http, settings.baseUrl);
  }

  /** False without an API key (said once, when the first trial starts), or after the key was rejected. */
  get active(): boolean {
    if (!this.#http) {
      this.warnOnce(
        "no-key",
        "hpo: wandb: no API key: set WANDB_API_KEY or run `wandb login` (~/.netrc), or use WANDB_MODE=offline; W&B logging is off for this study",
      );
    }
    return this.#active;
  }

  /** Starts the trial's run: upsert, then batched file_stream posts in the background. */
  readonly createSink = (identity: TrialRunIdentity, state: TrialRunState): TrialRunSink => {
    if (!this.#http || !this.#api) throw new Error("the W&B online backend has no API key");
    const run = new OnlineTrialRun(identity, state, {
      http: this.#http,
      api: this.#api,
      settings: this.#settings,
      onAuthError: (e) => this.#authFailed(e),
      warnOnce: (key, message) => this.warnOnce(key, message),
    });
    this.#unsent.add(run);
    void run.done.then(() => {
      if (run.completed) this.#unsent.delete(run);
    });
    return run;
  };

  /** Writes every run the server did not acknowledge whole as an offline run under the tracker's dir. */
  async spoolUnsent(): Promise<SpooledRuns | null> {
    if (this.#unsent.size === 0) return null;
    const offline = new WandbOfflineBackend(this.#settings.dir, this.#settings.log);
    const folders: string[] = [];
    let failed = 0;
    for (const run of this.#unsent) {
      const folder = await run.spoolTo(offline, this.#settings.dir);
      if (folder) folders.push(folder);
      else failed++;
    }
    this.#unsent.clear();
    return { folders, failed };
  }

  /** Aborts every request and wait in flight. */
  abort(): void {
    this.#abort.abort();
  }

  /** Logs a message once per key. */
  warnOnce(key: string, message: string): void {
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    this.#settings.log(message);
  }

  #authFailed(e: WandbAuthError): void {
    if (!this.#active) return;
    this.#active = false;
    this.warnOnce(
      "auth",
      `hpo: wandb: ${e.message}. Check WANDB_API_KEY or ~/.netrc (\`wandb login\`); W&B logging is off for the rest of this study`,
    );
    // Logging is off as the message says: nothing is saved for a later sync either.
    this.#unsent.clear();
    this.#abort.abort();
  }
}
