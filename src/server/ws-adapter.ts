import { randomBytes } from "node:crypto";
import type { WebSocket } from "ws";
import type { FeedSession } from "../feed/feed-session.ts";
import type { FeedSocketOptions } from "./feed-socket-options.ts";

export type { FeedSocketOptions } from "./feed-socket-options.ts";

/** A ping goes out after this many bytes; its pong proves the client read everything before it. */
const PROBE_BYTES = 64 * 1024;
/** How long a client the session hung up on may take to close before its socket is cut. */
const CLOSE_GRACE_MS = 1000;

/**
 * Connects a WebSocket to a feed session: client messages go to the session, and the
 * session's frames go out a few at a time, the next ones only once the socket has written
 * the previous ones and the client has read all but `maxUnreadBytes` of what was sent.
 * The read check uses pings: every client answers a ping with a pong after reading what
 * came before it (browsers do so by themselves). Each ping carries a random payload and
 * only a pong with that payload counts, so a client cannot claim to have read what it has
 * not. So a slow reader leaves frames in the session's bounded queue, where the feed
 * notices and tells it to resync; what the socket itself buffers stays under
 * `maxUnreadBytes` too, and a client that reads nothing misses the heartbeat and is cut.
 */
export function attachFeedSocket(ws: WebSocket, session: FeedSession, options: FeedSocketOptions = {}): void {
  const maxInFlight = options.maxInFlight ?? 4;
  const maxUnread = options.maxUnreadBytes ?? 1024 * 1024;
  let inFlight = 0;
  let sent = 0;
  let read = 0;
  let probedAt = 0;
  /** Payload of each probe awaiting its pong → bytes sent before it. */
  const probes = new Map<string, number>();

  const written = (error?: Error) => {
    inFlight--;
    if (!error) pump();
  };
  const pump = () => {
    while (inFlight < maxInFlight && sent - read < maxUnread && ws.bufferedAmount < maxUnread && ws.readyState === ws.OPEN) {
      const frame = session.nextFrame();
      if (!frame) return;
      inFlight++;
      sent += frame.byteLength;
      ws.send(frame.bytes, { binary: false }, written);
      if (sent - probedAt >= PROBE_BYTES) {
        probedAt = sent;
        const nonce = randomBytes(8).toString("hex");
        probes.set(nonce, sent);
        ws.ping(nonce);
      }
    }
  };
  session.onFrames(pump);
  session.onEnd((reason) => {
    // The client broke a limit (it sends without reading): read nothing more from it, say
    // why, and cut it if it does not read that either.
    ws.pause();
    ws.close(1008, reason.slice(0, 120));
    setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
  });
  ws.on("message", (data, isBinary) => session.receive(isBinary ? null : data.toString()));

  let alive = true;
  let heartbeatNonce: string | null = null;
  ws.on("pong", (data: Buffer) => {
    const nonce = data.toString();
    if (nonce === heartbeatNonce) {
      alive = true;
      return;
    }
    const at = probes.get(nonce);
    if (at === undefined) return; // unsolicited, or a guess: proves nothing
    alive = true;
    // Pongs come back in order: every earlier probe is answered too.
    for (const k of probes.keys()) {
      probes.delete(k);
      if (k === nonce) break;
    }
    if (at > read) {
      read = at;
      pump();
    }
  });
  const heartbeatMs = options.heartbeatMs ?? 30_000;
  const heartbeat =
    heartbeatMs > 0
      ? setInterval(() => {
          if (!alive) {
            ws.terminate();
            return;
          }
          alive = false;
          heartbeatNonce = randomBytes(8).toString("hex");
          ws.ping(heartbeatNonce);
        }, heartbeatMs)
      : null;
  heartbeat?.unref();
  ws.on("close", () => {
    if (heartbeat) clearInterval(heartbeat);
    session.close();
  });
  ws.on("error", () => ws.terminate());
}
