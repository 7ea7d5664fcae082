import type { Socket } from "node:net";
import { deserialize, serialize } from "node:v8";

/** Largest frame accepted (a study's whole trial list fits; a runaway peer does not). */
const MAX_FRAME_BYTES = 512 * 1024 * 1024;

/** Writes one value as a frame: a 4-byte length, then V8's structured-clone bytes (Dates, Maps and NaN survive). */
export function writeFrame(socket: Socket, value: unknown): void {
  const body = serialize(value);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  socket.write(Buffer.concat([head, body]));
}

/** Calls `onValue` for each whole frame a socket receives; a frame too large ends the socket. */
export function readFrames(socket: Socket, onValue: (value: unknown) => void): void {
  let buffered: Buffer = Buffer.alloc(0);
  socket.on("data", (chunk: Buffer) => {
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    while (buffered.length >= 4) {
      const size = buffered.readUInt32BE(0);
      if (size > MAX_FRAME_BYTES) {
        socket.destroy(new Error(`a frame of ${size} bytes is over the ${MAX_FRAME_BYTES}-byte limit`));
        return;
      }
      if (buffered.length < 4 + size) break;
      const body = buffered.subarray(4, 4 + size);
      buffered = buffered.subarray(4 + size);
      let value: unknown;
      try {
        value = deserialize(body);
      } catch (e) {
        socket.destroy(e as Error);
        return;
      }
      onValue(value);
    }
  });
}
