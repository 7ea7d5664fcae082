import type { WebSocket } from "ws";
import type { FeedSession } from "../feed/feed-session.ts";
import type { FeedSocketOptions } from "./feed-socket-options.ts";

export type { FeedSocketOptions } from "./feed-socket-options.ts";

/** A ping goes out after this many bytes; its pong proves the client read everything before it. */
const PROBE_BYTES = 64 * 1024;

/**
 * Connects a WebSocket to a feed session: client messages go to the session, and the
 * session's frames go out a few at a time, the next ones only once the socket has written
 * the previous ones and the client has read all but `maxUnreadBytes` of what was sent.
 * The read check uses pings: every client answers a ping with a pong after reading what
 * came before it (browsers do so by themselves). So a slow reader leaves frames in the
 * session's bounded queue, where the feed notices and tells it to resync.
 */
export function attachFeedSocket(ws: WebSocket, session: FeedSession, options: FeedSocketOptions = {}): void {
  const maxInFlight = options.maxInFlight ?? 4;
  const maxUnread = options.maxUnreadBytes ?? 1024 * 1024;
  let inFlight = 0;
  let sent = 0;
  let read = 0;
  let probedAt = 0;
  let probe = 0;
  const probes = new Map<number, number>();

  const written = (error?: Error) => {
    inFlight--;
    if (!error) pump();
  };
  const pump = () => {
    while (inFlight < maxInFlight && sent - read < maxUnread && ws.readyState === ws.OPEN) {
      const frame = session.nextFrame();
      if (!frame) return;
      inFlight++;
      sent += frame.byteLength;
      ws.send(frame.bytes, { binary: false }, written);
      if (sent - probedAt >= PROBE_BYTES) {
        probedAt = sent;
        probes.set(++probe, sent);
        ws.ping(String(probe));
      }
    }
  };
  session.onFrames(pump);
  ws.on("message", (data, isBinary) => session.receive(isBinary ? null : data.toString()));

  let alive = true;
  ws.on("pong", (data: Buffer) => {
    alive = true;
    const id = Number(data.toString());
    const at = probes.get(id);
    if (at === undefined) return;
    // Pongs come back in order: every earlier probe is answered too.
    for (const k of probes.keys()) if (k <= id) probes.delete(k);
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
          ws.ping();
        }, heartbeatMs)
      : null;
  heartbeat?.unref();
  ws.on("close", () => {
    if (heartbeat) clearInterval(heartbeat);
    session.close();
  });
  ws.on("error", () => ws.terminate());
}
