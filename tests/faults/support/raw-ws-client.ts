import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";

/**
 * A WebSocket client written on a bare TCP socket, to play clients that `ws` cannot: one
 * that never reads what the server sends (its socket is paused from the start, so the
 * server's writes pile up in the kernel and then in the server) yet keeps sending
 * messages and unsolicited pongs.
 */
export class RawWsClient {
  readonly socket: Socket;
  /** Resolves when the server closes the connection (or it breaks). */
  readonly closed: Promise<void>;
  #bytesSent = 0;

  private constructor(socket: Socket) {
    this.socket = socket;
    this.closed = new Promise((resolve) => {
      socket.once("close", () => resolve());
    });
    socket.on("error", () => undefined);
  }

  /** Connects and sends the upgrade request; never reads the answer. */
  static async open(url: string): Promise<RawWsClient> {
    const u = new URL(url);
    const socket = connect(Number(u.port), u.hostname);
    socket.pause();
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", () => resolve());
      socket.once("error", reject);
    });
    const key = randomBytes(16).toString("base64");
    socket.write(
      `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    return new RawWsClient(socket);
  }

  /** Bytes written so far. */
  get bytesSent(): number {
    return this.#bytesSent;
  }

  /** Whether the connection is still open. */
  get open(): boolean {
    return !this.socket.destroyed && this.socket.writable;
  }

  /** Sends a text message; resolves once the socket took it (false once it is closed). */
  sendText(text: string): Promise<boolean> {
    return this.#send(0x1, Buffer.from(text, "utf8"));
  }

  /** Sends a pong nobody asked for, with this payload. */
  sendPong(payload: string): Promise<boolean> {
    return this.#send(0xa, Buffer.from(payload, "utf8"));
  }

  /** Drops the connection. */
  destroy(): void {
    this.socket.destroy();
  }

  #send(opcode: number, payload: Buffer): Promise<boolean> {
    if (!this.open) return Promise.resolve(false);
    const mask = randomBytes(4);
    const length = payload.length;
    const header = length < 126 ? Buffer.alloc(2) : length < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    if (length < 126) header[1] = 0x80 | length;
    else if (length < 65536) {
      header[1] = 0x80 | 126;
      header.writeUInt16BE(length, 2);
    } else {
      header[1] = 0x80 | 127;
      header.writeBigUInt64BE(BigInt(length), 2);
    }
    const masked = Buffer.alloc(length);
    for (let i = 0; i < length; i++) masked[i] = payload[i] ^ mask[i & 3];
    const frame = Buffer.concat([header, mask, masked]);
    this.#bytesSent += frame.length;
    return new Promise((resolve) => {
      this.socket.write(frame, (error) => resolve(!error));
    });
  }
}
