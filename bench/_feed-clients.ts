/**
 * Client process of `npm run bench -- feed`: opens many WebSocket clients to one study's
 * feed. Every client checks that event seqs follow each other without a gap (reading the
 * first and last seq of each frame straight from its bytes) and resubscribes when told to
 * resync; every `measureEvery`-th client also decodes each frame and records, for every
 * `reported` event, now − the value (the worker writes the time of its report() call as
 * the value). Decoding every frame in 500 clients would measure this machine's JSON.parse
 * throughput, not the feed. Talks to the driver over IPC.
 *
 * usage (spawned by bench/feed.ts): tsx bench/_feed-clients.ts <ws-url> <study> <clients> <slow> <measureEvery>
 */
import { WebSocket } from "ws";
import { decodeFeedMessage } from "../src/feed/feed-json.ts";
import { LatencyHistogram } from "./_latency-histogram.ts";

const [url, study, countArg, slowArg, everyArg] = process.argv.slice(2);
const count = Number(countArg);
const slow = Number(slowArg);
const measureEvery = Number(everyArg);
const SEQ = Buffer.from('"seq":');
const EVENTS_PREFIX = Buffer.from('{"type":"events"');

/** The integer after `"seq":` at a position of a frame. */
function seqAt(buf: Buffer, at: number): number {
  let n = 0;
  for (let i = at + SEQ.length; i < buf.length; i++) {
    const c = buf[i];
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
  }
  return n;
}
const now = () => performance.timeOrigin + performance.now();

interface Client {
  ws: WebSocket;
  last: number;
  ready: boolean;
  slow: boolean;
  measures: boolean;
}

const fast = new LatencyHistogram();
const slowHist = new LatencyHistogram();
let measureFrom = Infinity;
let gaps = 0;
let resyncs = 0;
let received = 0;
let frames = 0;
let measuring = 0;
const clients: Client[] = [];

function connect(i: number): void {
  const c: Client = { ws: new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true }), last: 0, ready: false, slow: i < slow, measures: i < slow || (i - slow) % measureEvery === 0 };
  if (c.measures && !c.slow) measuring++;
  clients.push(c);
  c.ws.on("open", () => c.ws.send(JSON.stringify({ type: "subscribe", study })));
  c.ws.on("message", (data: Buffer) => {
    const t = now();
    frames++;
    if (!c.measures && c.ready && data.subarray(0, EVENTS_PREFIX.length).equals(EVENTS_PREFIX)) {
      // Events have no nested "seq" key: the first and last occurrences bound the batch.
      const first = seqAt(data, data.indexOf(SEQ));
      const last = seqAt(data, data.lastIndexOf(SEQ));
      if (last <= c.last) return;
      if (first > c.last + 1) gaps++;
      received += last - Math.max(first - 1, c.last);
      c.last = last;
      return;
    }
    const m = decodeFeedMessage(data.toString());
    if (m.type === "snapshot") {
      c.last = m.seq;
      if (!c.ready) {
        c.ready = true;
        if (clients.every((x) => x.ready) && clients.length === count) process.send!({ type: "ready" });
      }
    } else if (m.type === "events") {
      for (const e of m.events) {
        if (e.seq <= c.last) continue;
        if (e.seq !== c.last + 1) gaps++;
        c.last = e.seq;
        received++;
        if (e.type === "reported" && typeof e.payload.value === "number" && e.payload.value >= measureFrom) {
          (c.slow ? slowHist : fast).add(t - e.payload.value);
        }
      }
    } else if (m.type === "resync") {
      resyncs++;
      c.ws.send(JSON.stringify({ type: "subscribe", study, since: c.last, studyId: m.studyId }));
    } else if (m.type === "error") {
      process.stderr.write(`feed error: ${m.code} ${m.message}\n`);
    }
  });
  c.ws.on("error", (e) => process.stderr.write(`client ${i}: ${e.message}\n`));
}

// Slow clients stop reading once measuring starts and read again only when told to drain.
const slowTimer = setInterval(() => {
  if (now() < measureFrom) return;
  for (const c of clients) if (c.slow) c.ws.pause();
  clearInterval(slowTimer);
}, 100);

process.on("message", async (msg: { type: string; from?: number; head?: number }) => {
  if (msg.type === "measure") measureFrom = msg.from!;
  if (msg.type === "drain") {
    clearInterval(slowTimer);
    for (const c of clients) c.ws.resume();
    const deadline = Date.now() + 30_000;
    while (clients.some((c) => c.last < msg.head!) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    process.send!({
      type: "stats",
      measuring,
      fast: fast.toJSON(),
      slow: slowHist.toJSON(),
      gaps,
      resyncs,
      received,
      frames,
      behind: clients.filter((c) => c.last < msg.head!).length,
    });
    for (const c of clients) c.ws.terminate();
    setTimeout(() => process.exit(0), 100);
  }
});

// Connect in small waves so the server is not hit by every handshake at once.
for (let i = 0; i < count; i++) {
  connect(i);
  if (i % 50 === 49) await new Promise((r) => setTimeout(r, 20));
}
