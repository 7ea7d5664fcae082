/**
 * POSTs JSON to the W&B API with Basic auth `api:<key>`, a per-request timeout, and real
 * retries: network errors, timeouts, 5xx and 429 are retried with exponential backoff
 * (429 waits at least until `RateLimit-Reset` / `Retry-After`); 401 and other 4xx are not.
 */

/** The API key was rejected (HTTP 401): nothing will work until the user fixes it. */
export class WandbAuthError extends Error {
  override readonly name = "WandbAuthError";
}

/** A request failed for good: a non-retryable status, or retries exhausted. */
export class WandbRequestError extends Error {
  override readonly name = "WandbRequestError";
  constructor(
    message: string,
    /** The last HTTP status, or undefined for network errors and timeouts. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The tracker was closed while a request was waiting or in flight. */
export class WandbAbortedError extends Error {
  override readonly name = "WandbAbortedError";
}

/** Retry and timeout knobs of {@link WandbHttp}. */
export interface WandbHttpSettings {
  readonly apiKey: string;
  readonly requestTimeoutMs: number;
  readonly maxRetries: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
}

/** A JSON-over-HTTP client for the W&B API with retries and backoff. */
export class WandbHttp {
  readonly #settings: WandbHttpSettings;
  readonly #signal: AbortSignal;
  readonly #authorization: string;
  /** Until when a 429 asked the whole client (every run shares one API key) to hold off. */
  #blockedUntil = 0;

  /** `signal` aborts every request and backoff wait (the tracker's close deadline). */
  constructor(settings: WandbHttpSettings, signal: AbortSignal) {
    this.#settings = settings;
    this.#signal = signal;
    this.#authorization = `Basic ${Buffer.from(`api:${settings.apiKey}`).toString("base64")}`;
  }

  /** POSTs `body` as JSON and returns the parsed JSON reply, retrying what is worth retrying. */
  async postJson(url: string, body: unknown): Promise<unknown> {
    const payload = JSON.stringify(body);
    for (let attempt = 0; ; attempt++) {
      this.#throwIfAborted();
      const blocked = this.#blockedUntil - Date.now();
      if (blocked > 0) await this.sleep(blocked);
      let waitAtLeastMs = 0;
      let failure: string;
      let status: number | undefined;
      const deadline = requestDeadline(this.#signal, this.#settings.requestTimeoutMs);
      try {
        const response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: this.#authorization, "user-agent": "hpo-wandb" },
          body: payload,
          signal: deadline.signal,
        });
        status = response.status;
        const text = await response.text();
        if (response.ok) return parseReply(text, url);
        if (status === 401) {
          throw new WandbAuthError(`W&B rejected the API key (HTTP 401 from ${new URL(url).origin})`);
        }
        failure = `HTTP ${status}${text ? `: ${text.slice(0, 200).trim()}` : ""}`;
        if (status !== 429 && status < 500) throw new WandbRequestError(`${url} answered ${failure}`, status);
        if (status === 429) {
          waitAtLeastMs = rateLimitWaitMs(response.headers);
          this.#blockedUntil = Math.max(this.#blockedUntil, Date.now() + waitAtLeastMs);
        }
      } catch (e) {
        if (e instanceof WandbAuthError || e instanceof WandbRequestError) throw e;
        this.#throwIfAborted();
        failure = isTimeout(e) ? `no answer within ${this.#settings.requestTimeoutMs} ms` : `network error: ${describe(e)}`;
      } finally {
        deadline.dispose();
      }
      if (attempt >= this.#settings.maxRetries) {
        throw new WandbRequestError(`${url} failed after ${attempt + 1} attempts (last: ${failure})`, status);
      }
      await this.sleep(Math.max(waitAtLeastMs, this.backoffMs(attempt)));
    }
  }

  /** The backoff before retry number `attempt + 1`: doubling, capped, with ±20% jitter. */
  backoffMs(attempt: number): number {
    const base = Math.min(this.#settings.maxBackoffMs, this.#settings.initialBackoffMs * 2 ** attempt);
    return Math.round(base * (0.8 + 0.4 * Math.random()));
  }

  /** The signal that aborts every request and wait (the tracker's close deadline). */
  get signal(): AbortSignal {
    return this.#signal;
  }

  /** Waits, unless the tracker is closed first. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.#signal.aborted) return reject(new WandbAbortedError("the W&B tracker was closed"));
      const onAbort = () => {
        clearTimeout(timer);
        reject(new WandbAbortedError("the W&B tracker was closed"));
      };
      const timer = setTimeout(() => {
        this.#signal.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      // Backoff alone must not keep the process alive; close() holds it while flushing.
      timer.unref();
      this.#signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  #throwIfAborted(): void {
    if (this.#signal.aborted) throw new WandbAbortedError("the W&B tracker was closed");
  }
}

/**
 * A signal that aborts after `timeoutMs` or when `outer` aborts, whichever is first.
 *
 * Not `AbortSignal.any([outer, AbortSignal.timeout(ms)])`: on Node 20 the signal fetch derives
 * from that composite is held only weakly, and a garbage collection during the request cuts it
 * off, so a hung connection was never timed out (nodejs/node#55428). A controller this request
 * owns, a timer that holds it and a listener on `outer` keep every link strong until dispose.
 */
function requestDeadline(outer: AbortSignal, timeoutMs: number): { readonly signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(outer.reason);
  const timer = setTimeout(() => controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, "TimeoutError")), timeoutMs);
  if (outer.aborted) controller.abort(outer.reason);
  else outer.addEventListener("abort", onOuterAbort, { once: true });
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      outer.removeEventListener("abort", onOuterAbort);
    },
  };
}

/** How long a 429 asks us to wait: `RateLimit-Reset` (seconds), else `Retry-After`. */
export function rateLimitWaitMs(headers: Headers): number {
  const reset = headers.get("ratelimit-reset");
  if (reset !== null && /^\s*\d+(\.\d+)?\s*$/.test(reset)) return Number(reset) * 1000;
  const retryAfter = headers.get("retry-after");
  if (retryAfter !== null) {
    if (/^\s*\d+(\.\d+)?\s*$/.test(retryAfter)) return Number(retryAfter) * 1000;
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - Date.now());
  }
  return 0;
}

function parseReply(text: string, url: string): unknown {
  if (text.trim() === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new WandbRequestError(`${url} answered 200 with a body that is not JSON: ${text.slice(0, 200)}`);
  }
}

function isTimeout(e: unknown): boolean {
  return e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError");
}

function describe(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as Error & { cause?: unknown }).cause;
    return cause instanceof Error ? `${e.message} (${cause.message})` : e.message;
  }
  return String(e);
}
