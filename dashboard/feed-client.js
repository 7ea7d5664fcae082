import { feedUrl } from "./api.js";
import { decodeJson } from "./json-codec.js";

/**
 * The dashboard's connection to the live feed (docs/feed.md): reconnects with backoff,
 * resubscribes each study with the last sequence number it saw (so it gets exactly the
 * missed events), and follows `resync` requests. Nothing is polled.
 */
export class FeedClient {
  #ws = null;
  #studies = new Map(); // name -> { handlers, seq, studyId }
  #studiesHandlers = new Set();
  #statusHandlers = new Set();
  #retryMs = 500;
  #closed = false;
  #nextId = 1;

  constructor() {
    this.#connect();
  }

  /** Calls `fn(state)` with "connecting" | "live" | "reconnecting" | "unauthorized". */
  onStatus(fn) {
    this.#statusHandlers.add(fn);
    return () => this.#statusHandlers.delete(fn);
  }

  /**
   * Follows a study: `onSnapshot(msg)` replaces the caller's state, `onEvents(events)`
   * applies new events in order, `onError(msg)` reports a problem. Returns an unsubscribe function.
   */
  followStudy(name, handlers) {
    const entry = { handlers, seq: null, studyId: null };
    this.#studies.set(name, entry);
    this.#subscribe(name, entry);
    return () => {
      if (this.#studies.get(name) !== entry) return;
      this.#studies.delete(name);
      this.#send({ type: "unsubscribe", study: name });
    };
  }

  /** Follows the studies list: `fn(studies)` on every update. */
  followStudies(fn) {
    this.#studiesHandlers.add(fn);
    if (this.#studiesHandlers.size === 1) this.#send({ type: "subscribe_studies" });
    return () => {
      this.#studiesHandlers.delete(fn);
      if (this.#studiesHandlers.size === 0) this.#send({ type: "unsubscribe_studies" });
    };
  }

  #subscribe(name, entry) {
    const msg = { type: "subscribe", study: name, id: this.#nextId++ };
    if (entry.seq !== null) {
      msg.since = entry.seq;
      msg.studyId = entry.studyId;
    }
    this.#send(msg);
  }

  #send(msg) {
    if (this.#ws?.readyState === WebSocket.OPEN) this.#ws.send(JSON.stringify(msg));
  }

  #status(state) {
    document.documentElement.dataset.feed = state;
    for (const fn of this.#statusHandlers) fn(state);
  }

  #connect() {
    if (this.#closed) return;
    const ws = new WebSocket(feedUrl());
    this.#ws = ws;
    ws.onopen = () => {
      this.#retryMs = 500;
      this.#status("live");
      for (const [name, entry] of this.#studies) this.#subscribe(name, entry);
      if (this.#studiesHandlers.size) this.#send({ type: "subscribe_studies" });
    };
    ws.onmessage = (e) => this.#receive(decodeJson(e.data));
    ws.onclose = (e) => {
      if (this.#ws !== ws) return;
      if (e.code === 4401) {
        this.#status("unauthorized");
        return; // a new token needs a reload with ?token=
      }
      this.#status("reconnecting");
      setTimeout(() => this.#connect(), this.#retryMs);
      this.#retryMs = Math.min(10_000, this.#retryMs * 2);
    };
  }

  #receive(msg) {
    const entry = msg.study !== undefined ? this.#studies.get(typeof msg.study === "string" ? msg.study : msg.study.name) : undefined;
    switch (msg.type) {
      case "snapshot":
        if (!entry) return;
        entry.seq = msg.seq;
        entry.studyId = msg.study.studyId;
        entry.handlers.onSnapshot(msg);
        return;
      case "subscribed":
        if (entry) entry.studyId = msg.studyId;
        return;
      case "events": {
        if (!entry || entry.seq === null) return;
        const fresh = msg.events.filter((ev) => ev.seq > entry.seq);
        if (fresh.length === 0) return;
        if (fresh[0].seq !== entry.seq + 1) {
          // A gap cannot happen on one connection; if it ever does, ask for the missing part.
          this.#subscribe(msg.study, entry);
          return;
        }
        entry.seq = fresh[fresh.length - 1].seq;
        entry.handlers.onEvents(fresh);
        return;
      }
      case "resync":
        // We were too slow: the server dropped our queue; ask for everything after what we have.
        if (entry) this.#subscribe(msg.study, entry);
        return;
      case "studies":
        for (const fn of this.#studiesHandlers) fn(msg.studies);
        return;
      case "error":
        if (entry) entry.handlers.onError?.(msg);
        else console.warn("hpo feed:", msg.code, msg.message);
        return;
    }
  }
}
