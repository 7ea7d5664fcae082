import { WebSocket, type ClientOptions } from "ws";
import { decodeFeedMessage, type FeedEvent, type FeedServerMessage } from "hpo";

/** A real WebSocket client of the feed that records what it receives. */
export class WsProbe {
  readonly messages: FeedServerMessage[] = [];
  readonly ws: WebSocket;
  readonly opened: Promise<void>;
  /** Resolves with the close code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>;
  #waiters = new Set<() => void>();

  constructor(url: string, options: ClientOptions = {}) {
    this.ws = new WebSocket(url, options);
    this.ws.on("message", (data) => {
      this.messages.push(decodeFeedMessage(data.toString()));
      for (const w of this.#waiters) w();
      this.#waiters.clear();
    });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once("open", () => resolve());
      this.ws.once("error", reject);
      this.ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    this.closed = new Promise((resolve) => this.ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })));
    this.opened.catch(() => undefined);
  }

  /** Opens a probe and waits for the connection. */
  static async open(url: string, options: ClientOptions = {}): Promise<WsProbe> {
    const probe = new WsProbe(url, options);
    await probe.opened;
    return probe;
  }

  send(message: object | string): void {
    this.ws.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  async waitFor(match: (m: FeedServerMessage) => boolean, timeoutMs = 15_000, from = 0): Promise<FeedServerMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.slice(from).find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`timed out; got ${this.messages.map((m) => m.type).join(", ")}`);
      await this.#nextMessage();
    }
  }

  events(study: string): FeedEvent[] {
    return this.messages.flatMap((m) => (m.type === "events" && m.study === study ? m.events : []));
  }

  async waitForSeq(study: string, seq: number, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((this.events(study).at(-1)?.seq ?? 0) < seq) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for seq ${seq} of ${study}; have ${this.events(study).at(-1)?.seq ?? "none"}`);
      await this.#nextMessage();
    }
  }

  /** Resolves on the next message, or after 100 ms (so deadlines are checked). */
  #nextMessage(): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, 100);
      this.#waiters.add(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    await this.closed;
  }
}
