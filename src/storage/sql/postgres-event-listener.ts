import pg from "pg";

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 10_000;

/**
 * One dedicated connection that LISTENs on a channel for a storage's subscribers, and
 * reconnects with backoff when the server goes away (a restarted PostgreSQL), so a feed
 * keeps hearing every worker.
 */
export class PostgresEventListener {
  readonly #url: string;
  readonly #channel: string;
  readonly #subscribers = new Set<(payload: string) => void>();
  #client: pg.Client | null = null;
  #connecting: Promise<void> | null = null;
  #closed = false;
  #retryMs = RETRY_MIN_MS;
  #timer: NodeJS.Timeout | null = null;

  constructor(url: string, channel: string) {
    this.#url = url;
    this.#channel = channel;
  }

  /** Adds a subscriber (connecting on first use); resolves to its unsubscribe function. */
  async subscribe(onPayload: (payload: string) => void): Promise<() => Promise<void>> {
    this.#subscribers.add(onPayload);
    await this.#ensureConnected();
    return async () => {
      this.#subscribers.delete(onPayload);
      if (this.#subscribers.size === 0) await this.#disconnect();
    };
  }

  /** Stops listening for good. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#subscribers.clear();
    await this.#disconnect();
  }

  #ensureConnected(): Promise<void> {
    if (this.#client || this.#closed) return Promise.resolve();
    this.#connecting ??= this.#connect().finally(() => (this.#connecting = null));
    return this.#connecting;
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#url });
    client.on("notification", (n) => {
      if (n.channel !== this.#channel || n.payload === undefined) return;
      for (const s of this.#subscribers) s(n.payload);
    });
    client.on("error", () => this.#lost(client));
    client.on("end", () => this.#lost(client));
    await client.connect();
    await client.query(`LISTEN ${this.#channel}`);
    this.#client = client;
    this.#retryMs = RETRY_MIN_MS;
  }

  #lost(client: pg.Client): void {
    if (this.#client !== client) return;
    this.#client = null;
    if (this.#closed || this.#subscribers.size === 0 || this.#timer) return;
    const retry = () => {
      this.#timer = null;
      this.#ensureConnected().catch(() => {
        this.#retryMs = Math.min(RETRY_MAX_MS, this.#retryMs * 2);
        this.#timer = setTimeout(retry, this.#retryMs);
        this.#timer.unref();
      });
    };
    this.#timer = setTimeout(retry, this.#retryMs);
    this.#timer.unref();
  }

  async #disconnect(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const c = this.#client;
    this.#client = null;
    await c?.end().catch(() => undefined);
  }
}
