// A feed server in a process of its own, over a memory storage holding many studies (so
// every `studies` reply is large), for measuring the server's memory under a flood. It
// prints one JSON line ({url, pid}) once it listens; then each "gc" line on stdin runs a
// full collection (node --expose-gc) and answers with a JSON line of memory figures, so the
// test can tell what the server keeps from garbage not yet collected. Ends when stdin does.
import { createInterface } from "node:readline";
import { openStorage, startFeedServer } from "hpo";

const studies = Number(process.argv[2] ?? 300);
const storage = await openStorage("memory");
for (let i = 0; i < studies; i++) {
  const s = await storage.createStudy(`flood-study-${i}-${"n".repeat(100)}`, ["minimize"]);
  await storage.setStudyAttrs(s.studyId, "user", { description: "d".repeat(200) });
}
const server = await startFeedServer({ storage, port: 0, log: () => undefined });
process.stdout.write(`${JSON.stringify({ url: server.url, pid: process.pid })}\n`);
const gc = (globalThis as { gc?: () => void }).gc;
const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  if (line.trim() !== "gc") return;
  gc?.();
  const m = process.memoryUsage();
  process.stdout.write(`${JSON.stringify({ rss: m.rss, kept: m.heapUsed + m.arrayBuffers })}\n`);
});
lines.on("close", () => {
  void server.close().then(() => storage.close()).then(() => process.exit(0));
});
