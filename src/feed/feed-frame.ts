import { encodeFeedMessage } from "./feed-json.ts";
import type { FeedServerMessage } from "./feed-protocol.ts";

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/**
 * One server message, encoded once and shared by every client it goes to: with 500
 * subscribers an event is serialised (and turned into bytes) once, not 500 times. Only
 * the UTF-8 bytes are kept, so a queued frame costs its byte length (what the queue
 * limits count), not twice that.
 */
export class FeedFrame {
  /** The UTF-8 bytes of the message, as a WebSocket sends them. */
  readonly bytes: Uint8Array;

  constructor(text: string) {
    this.bytes = utf8.encode(text);
  }

  /** Encodes a message into a frame. */
  static of(message: FeedServerMessage): FeedFrame {
    return new FeedFrame(encodeFeedMessage(message));
  }

  /** The message text (decoded on each call: for transports that send strings, and tests). */
  get text(): string {
    return utf8Decoder.decode(this.bytes);
  }

  /** Size in bytes, for queue limits. */
  get byteLength(): number {
    return this.bytes.byteLength;
  }
}
