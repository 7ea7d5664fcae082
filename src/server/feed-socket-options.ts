/** Tuning of one WebSocket connection. */
export interface FeedSocketOptions {
  /** Frames handed to the socket before waiting for one to be written (default 4). */
  readonly maxInFlight?: number;
  /**
   * Bytes sent that the client has not shown it read, at most (default 1 MiB). Past it,
   * frames wait in the session's bounded queue, so a stalled reader is told to resync
   * instead of filling the operating system's socket buffers (which may hold tens of MiB).
   */
  readonly maxUnreadBytes?: number;
  /** Interval of pings; a client that misses one is disconnected (default 30 s; 0: none). */
  readonly heartbeatMs?: number;
}
