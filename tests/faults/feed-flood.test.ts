import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createInterface, type Interface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WsProbe } from "../server/ws-probe.ts";
import { RawWsClient } from "./support/raw-ws-client.ts";

// Issue 17, defect 3: a client that never reads but keeps sending (6,000 subscribe_studies,
// unsolicited pongs, invalid messages) grew the server from 245 to 917 MB. The server runs
// in a process of its own with the default limits. Two figures are checked: what the
// server keeps (heap in use + buffers, after a full collection every 250 ms) against
// docs/feed.md's per-client bound, and its RSS growth against that bound plus room for the
// heap's working set.

const SERVER = fileURLToPath(new URL("./support/flood-server.ts", import.meta.url));
const MiB = 1024 * 1024;
/** docs/feed.md's bound with the default limits: queue, unread socket bytes, waiting requests, one reply (~100 KB here). */
const PER_CLIENT = 8 * MiB + 1 * MiB + 1 * MiB + 0.2 * MiB;
/** Room for the heap's working set on top: old-space growth and buffers not yet collected. */
const HEAP_ALLOWANCE = 48 * MiB;
const ATTACKERS = 3;

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) * 1024;
}

describe.skipIf(!existsSync("/proc/self/status"))("feed server under a flood from clients that never read", () => {
  let server: ChildProcess;
  let lines: Interface;
  let url: string;
  let pid: number;
  const nextLine = () => new Promise<string>((resolve) => lines.once("line", resolve));
  /** What the server keeps, after a full collection. */
  const kept = async () => {
    const answer = nextLine();
    server.stdin!.write("gc\n");
    return (JSON.parse(await answer) as { kept: number }).kept;
  };

  beforeAll(async () => {
    server = spawn(process.execPath, ["--expose-gc", "--import", "tsx", SERVER, "150"], { stdio: ["pipe", "pipe", "inherit"] });
    lines = createInterface({ input: server.stdout! });
    const first = await Promise.race([
      nextLine(),
      new Promise<string>((_, reject) => server.once("exit", (code) => reject(new Error(`flood server exited with ${code}`)))),
    ]);
    ({ url, pid } = JSON.parse(first) as { url: string; pid: number });
  });
  afterAll(() => {
    server?.stdin?.end();
    server?.kill("SIGKILL");
  });

  it("keeps what it holds per client under the documented bound, drops each flooder, and serves the reader", async () => {
    const wsUrl = `${url.replace(/^http/, "ws")}ws`;
    const honest = await WsProbe.open(wsUrl);
    for (let i = 0; i < 5; i++) {
      honest.send({ type: "subscribe_studies", id: i });
      await honest.waitFor((m) => m.type === "studies" && m.id === i);
    }
    expect(JSON.stringify(honest.messages.at(-1)).length).toBeGreaterThan(50_000);
    await new Promise((r) => setTimeout(r, 500));
    const keptBefore = await kept();
    const rssBefore = rssOf(pid);
    let keptPeak = keptBefore;
    let rssPeak = rssBefore;
    const rssSampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssOf(pid))), 50);
    let sampling = true;
    const keptSampler = (async () => {
      while (sampling) {
        keptPeak = Math.max(keptPeak, await kept());
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const over = () => keptPeak - keptBefore > 3 * PER_CLIENT;

    const invalid = JSON.stringify({ type: "subscribe", study: "x".repeat(60_000), junk: true });
    const report: string[] = [];
    let allDropped = true;
    // One after the other: what a dropped client held must not add up.
    for (let a = 0; a < ATTACKERS && !over(); a++) {
      const attacker = await RawWsClient.open(wsUrl);
      let dropped = false;
      void attacker.closed.then(() => (dropped = true));
      let subscribes = 0;
      let pongs = 0;
      const started = Date.now();
      // Stops early once far past the bound (the old server, which grew without end).
      while (!dropped && subscribes < 6000 && Date.now() - started < 30_000 && !over()) {
        for (let i = 0; i < 50; i++) await attacker.sendText('{"type":"subscribe_studies"}');
        subscribes += 50;
        // Pongs that pretend everything sent so far was read (the old probes' payloads were counters).
        for (let i = 0; i < 20; i++) await attacker.sendPong(String(++pongs));
        await attacker.sendPong("");
        for (let i = 0; i < 3; i++) await attacker.sendText(invalid);
        await new Promise((r) => setTimeout(r, 20));
      }
      const closed = await Promise.race([attacker.closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5000))]);
      allDropped &&= closed;
      report.push(
        `#${a + 1}: ${subscribes} subscribe_studies, ${pongs} fake pongs, ${(attacker.bytesSent / MiB).toFixed(1)} MiB in ${Date.now() - started} ms; ` +
          `dropped: ${closed}; peaks so far: kept +${((keptPeak - keptBefore) / MiB).toFixed(1)} MiB, RSS +${((rssPeak - rssBefore) / MiB).toFixed(1)} MiB`,
      );
      attacker.destroy();
    }
    await new Promise((r) => setTimeout(r, 500));
    sampling = false;
    await keptSampler;
    clearInterval(rssSampler);
    const keptAfter = await kept();
    const mib = (n: number) => `${(n / MiB).toFixed(1)} MiB`;
    console.log(
      `feed flood: kept ${mib(keptBefore)} -> peak ${mib(keptPeak)} -> after ${mib(keptAfter)} (bound +${mib(PER_CLIENT)}); ` +
        `RSS ${mib(rssBefore)} -> peak ${mib(rssPeak)} (bound +${mib(PER_CLIENT + HEAP_ALLOWANCE)})\n  ${report.join("\n  ")}`,
    );
    expect(keptPeak - keptBefore).toBeLessThan(PER_CLIENT);
    expect(rssPeak - rssBefore).toBeLessThan(PER_CLIENT + HEAP_ALLOWANCE);
    expect(keptAfter - keptBefore).toBeLessThan(1 * MiB);
    expect(allDropped).toBe(true);

    // The client that reads is still served.
    honest.send({ type: "subscribe_studies", id: "after" });
    await honest.waitFor((m) => m.type === "studies" && m.id === "after", 15_000);
    await honest.close();
  });
});
