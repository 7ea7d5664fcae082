import type { WebSocket } from "ws";
import type { FeedSession } from "../feed/feed-session.ts";

/** Tuning of one WebSocket connection. */
export interface FeedSocketOptions {
  /** Frames handed to the socket before waiting for one to be written (default 4). */
  readonly maxInFlight?: number;
  /** Interval of pings; a client that misses one is disconnected (default 30 s; 0: none). */
  readonly heartbeatMs?: number;
}

/**
 * Connects a WebSocket to a feed session: client messages go to the session, and the
 * session's frames go out a few at a time, the next ones only once the socket has written
 * the previous ones. So a slow reader leaves frames in the session's bounded queue (where
 * the feed notices and tells it to resync) instead of in an unbounded socket buffer.
 */
export function attachFeedSocket(ws: WebSocket, session: FeedSession, options: FeedSocketOptions = {}): void {
  const maxInFlight = options.maxInFlight ?? 4;
  let inFlight = 0;
  const written = (error?: Error) => {
    inFlight--;
    if (!error) pump();
  };
  const pump = () => {
    while (inFlight < maxInFlight && ws.readyState === ws.OPEN) {
      const frame = session.nextFrame();
      if (!frame) return;
      inFlight++;
      ws.send(frame.bytes, { binary: false }, written);
    }
  };
  session.onFrames(pump);
  ws.on("message", (data, isBinary) => session.receive(isBinary ? null : data.toString()));

  let alive = true;
  ws.on("pong", () => (alive = true));
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
