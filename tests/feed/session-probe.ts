import { decodeFeedMessage, type FeedEvent, type FeedServerMessage, type FeedSession } from "hpo";

/**
 * A client of a feed session without a transport: pulls the session's frames (unless
 * paused, to play a slow reader), decodes them and lets a test wait for messages.
 */
export class SessionProbe {
  readonly messages: FeedServerMessage[] = [];
  readonly session: FeedSession;
  #paused = false;
  #waiters = new Set<() => void>();

  constructor(session: FeedSession, options: { paused?: boolean } = {}) {
    this.session = session;
    this.#paused = options.paused ?? false;
    session.onFrames(() => this.#pump());
  }

  /** Sends a client message (an object is JSON-encoded; a string is sent as is). */
  send(message: object | string): void {
    this.session.receive(typeof message === "string" ? message : JSON.stringify(message));
  }

  /** Stops reading frames (they stay in the session's queue). */
  pause(): void {
    this.#paused = true;
  }

  /** Reads frames again. */
  resume(): void {
    this.#paused = false;
    this.#pump();
  }

  /** Resolves with the first message (at or after `from`) that matches. */
  async waitFor<T extends FeedServerMessage>(match: (m: FeedServerMessage) => m is T, timeoutMs?: number, from?: number): Promise<T>;
  async waitFor(match: (m: FeedServerMessage) => boolean, timeoutMs?: number, from?: number): Promise<FeedServerMessage>;
  async waitFor(match: (m: FeedServerMessage) => boolean, timeoutMs = 10_000, from = 0): Promise<FeedServerMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.slice(from).find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`timed out; got ${this.messages.map((m) => m.type).join(", ")}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        this.#waiters.add(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Every event received for a study, in arrival order. */
  events(study: string): FeedEvent[] {
    return this.messages.flatMap((m) => (m.type === "events" && m.study === study ? m.events : []));
  }

  /** Waits until the events of a study reach `seq`. */
  async waitForSeq(study: string, seq: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((this.events(study).at(-1)?.seq ?? 0) < seq) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for seq ${seq} of ${study}; have ${this.events(study).at(-1)?.seq ?? "none"}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  #pump(): void {
    if (this.#paused) return;
    for (let f = this.session.nextFrame(); f; f = this.session.nextFrame()) this.messages.push(decodeFeedMessage(f.text));
    for (const w of this.#waiters) w();
    this.#waiters.clear();
  }
}
