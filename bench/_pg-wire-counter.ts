/**
 * A TCP relay in front of PostgreSQL that counts round trips: every client message of the
 * wire protocol that asks the server to answer — a simple Query ('Q') or the Sync ('S')
 * that ends an extended-protocol exchange (Parse/Bind/Execute) — is one round trip. Clients
 * must not ask for TLS or GSS encryption (psycopg2: sslmode=disable&gssencmode=disable;
 * node-postgres does neither by default), or the stream cannot be read.
 *
 * The relay costs time of its own, so the storage benchmark uses it only in a separate
 * short pass that counts, never while it measures throughput.
 */
import net from "node:net";

/** Messages and bytes seen so far. */
export interface WireCounts {
  roundTrips: number;
  messages: number;
  bytesToServer: number;
  bytesToClient: number;
  connections: number;
  /** Statements sent (a simple Query, or the Parse of an extended exchange), by their first words. */
  statements: Record<string, number>;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

/** Counts one client's stream: a startup packet (no type byte), then typed messages. */
class ClientStream {
  #buffer: Buffer = Buffer.alloc(0);
  #started = false;
  /** Texts of the named (prepared) statements this client parsed. */
  readonly #named = new Map<string, string>();

  constructor(readonly counts: WireCounts) {}

  #count(key: string): void {
    this.counts.statements[key] = (this.counts.statements[key] ?? 0) + 1;
  }

  push(chunk: Buffer): void {
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk;
    for (;;) {
      if (!this.#started) {
        if (this.#buffer.length < 8) return;
        const length = this.#buffer.readInt32BE(0);
        const code = this.#buffer.readInt32BE(4);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          throw new Error("a client asked for an encrypted connection; disable TLS/GSS for the counting pass");
        }
        if (this.#buffer.length < length) return;
        this.#buffer = this.#buffer.subarray(length);
        this.#started = true;
        continue;
      }
      if (this.#buffer.length < 5) return;
      const type = String.fromCharCode(this.#buffer[0]);
      const length = this.#buffer.readInt32BE(1);
      if (this.#buffer.length < 1 + length) return;
      const body = this.#buffer.subarray(5, 1 + length);
      this.#buffer = this.#buffer.subarray(1 + length);
      this.counts.messages++;
      if (type === "Q" || type === "S") this.counts.roundTrips++;
      // Query: the text; Parse: the statement's name, then its text; Bind: the portal's name,
      // then the statement's (a named one was parsed once and is counted at each Bind).
      // All NUL-terminated.
      const cstring = (from: number) => body.subarray(from, body.indexOf(0, from)).toString("utf8");
      if (type === "Q") this.#count(statementKey(cstring(0)));
      if (type === "P") {
        const name = cstring(0);
        const key = statementKey(cstring(body.indexOf(0) + 1));
        if (name) this.#named.set(name, key);
        else this.#count(key);
      }
      if (type === "B") {
        const name = cstring(body.indexOf(0) + 1);
        if (name) this.#count(this.#named.get(name) ?? name);
      }
    }
  }
}

/** What a statement is called in the counts: its first words, white space folded. */
function statementKey(text: string): string {
  return text.replace(/\s+/g, " ").trim().slice(0, 72);
}

/** A relay on 127.0.0.1 (a free port) to `upstream`, counting what passes. */
export class PgWireCounter {
  readonly counts: WireCounts = { roundTrips: 0, messages: 0, bytesToServer: 0, bytesToClient: 0, connections: 0, statements: {} };
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();

  private constructor(server: net.Server) {
    this.#server = server;
  }

  /** Starts relaying to host:port. */
  static async start(upstream: { host: string; port: number }): Promise<PgWireCounter> {
    let self: PgWireCounter | null = null;
    const server = net.createServer((client) => self!.#relay(client, upstream));
    self = new PgWireCounter(server);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    return self;
  }

  /** The port clients connect to. */
  get port(): number {
    return (this.#server.address() as net.AddressInfo).port;
  }

  /** A copy of the counts now. */
  snapshot(): WireCounts {
    return { ...this.counts, statements: { ...this.counts.statements } };
  }

  #relay(client: net.Socket, upstream: { host: string; port: number }): void {
    this.counts.connections++;
    const server = net.connect(upstream.port, upstream.host);
    const stream = new ClientStream(this.counts);
    for (const s of [client, server]) {
      this.#sockets.add(s);
      s.setNoDelay(true);
      s.on("close", () => {
        this.#sockets.delete(s);
        client.destroy();
        server.destroy();
      });
      s.on("error", () => undefined);
    }
    client.on("data", (chunk: Buffer) => {
      this.counts.bytesToServer += chunk.length;
      try {
        stream.push(chunk);
      } catch (e) {
        console.error(`  wire counter: ${(e as Error).message}`);
        client.destroy();
        return;
      }
      server.write(chunk);
    });
    server.on("data", (chunk: Buffer) => {
      this.counts.bytesToClient += chunk.length;
      client.write(chunk);
    });
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** Round trips etc. between two snapshots. */
export function wireCountsBetween(a: WireCounts, b: WireCounts): WireCounts {
  return {
    roundTrips: b.roundTrips - a.roundTrips,
    messages: b.messages - a.messages,
    bytesToServer: b.bytesToServer - a.bytesToServer,
    bytesToClient: b.bytesToClient - a.bytesToClient,
    connections: b.connections - a.connections,
    statements: Object.fromEntries(Object.entries(b.statements).map(([k, n]) => [k, n - (a.statements[k] ?? 0)]).filter(([, n]) => (n as number) > 0)),
  };
}
