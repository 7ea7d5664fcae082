import { encodeFeedMessage } from "./feed-json.ts";
import type { FeedServerMessage } from "./feed-protocol.ts";

const utf8 = new TextEncoder();

/**
 * One server message, encoded once and shared by every client it goes to: with 500
 * subscribers an event is serialised (and turned into bytes) once, not 500 times.
 */
export class FeedFrame {
  readonly text: string;
  #bytes: Uint8Array | null = null;

  constructor(text: string) {
    this.text = text;
  }

  /** Encodes a message into a frame. */
  static of(message: FeedServerMessage): FeedFrame {
    return new FeedFrame(encodeFeedMessage(message));
  }

  /** The UTF-8 bytes of the text (computed on first use). */
  get bytes(): Uint8Array {
    this.#bytes ??= utf8.encode(this.text);
    return this.#bytes;
  }

  /** Size in bytes, for queue limits. */
  get byteLength(): number {
    return this.bytes.byteLength;
  }
}
