import { rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { freshPgliteFolder } from "../support/backends.ts";
import { runHpo, startHpo } from "../support/run-hpo.ts";
import { WsProbe } from "./ws-probe.ts";

const study = fileURLToPath(new URL("./fixtures/slow-study.ts", import.meta.url));
const folders: string[] = [];
afterAll(() => {
  for (const f of folders) rmSync(join(f, ".."), { recursive: true, force: true });
});

describe("hpo run --serve", () => {
  it("serves the run's own embedded storage while it runs, and after it until Ctrl-C", async () => {
    const folder = freshPgliteFolder();
    folders.push(folder);
    const { child, done } = startHpo(["run", study, "--storage", folder, "--serve", "--port", "0", "--quiet"]);
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    const deadline = Date.now() + 60_000;
    let url: string | null = null;
    while (!url) {
      url = /hpo: dashboard (http:\/\/\S+)/.exec(stderr)?.[1] ?? null;
      if (Date.now() > deadline) throw new Error(`no dashboard line:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const probe = await WsProbe.open(`${url.replace(/^http/, "ws")}ws`);
    // The study may not exist for a moment: the run creates it after the server starts.
    for (;;) {
      const n = probe.messages.length;
      probe.send({ type: "subscribe", study: "served-run" });
      const reply = await probe.waitFor((m) => m.type === "snapshot" || m.type === "error", 15_000, n);
      if (reply.type === "snapshot") break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await probe.waitFor(() => probe.events("served-run").filter((e) => e.type === "trial_completed").length >= 1, 60_000);
    // The run ends; its dashboard stays up, read-only, until Ctrl-C.
    while (!/the run is over; the dashboard stays up at http:\S+ \(read-only\) until Ctrl-C/.test(stderr)) {
      if (child.exitCode !== null) throw new Error(`hpo exited with the run:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const after = await fetch(`${url}api/studies/served-run`);
    expect(after.status).toBe(200);
    const served = (await after.json()) as { trials?: { state: string }[] };
    expect(JSON.stringify(served)).toContain("served-run");
    child.kill("SIGINT");
    const result = await done;
    expect(result.code).toBe(0);
    const completed = probe.events("served-run").filter((e) => e.type === "trial_completed");
    const snapshot = probe.messages.find((m) => m.type === "snapshot");
    const before = snapshot?.type === "snapshot" ? snapshot.trials.filter((t) => t.state === "COMPLETE").length : 0;
    expect(before + completed.length).toBe(6);
    const seqs = probe.events("served-run").map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0] + i));
    // Ctrl-C stops the server.
    expect((await probe.closed).code).toBe(1001);
  });

  it("wants --serve for --port, --host and --token, and a token beyond loopback", async () => {
    const lone = await runHpo(["run", study, "--storage", "memory", "--port", "9999"]);
    expect(lone.code).toBe(2);
    expect(lone.stderr).toMatch(/--port needs --serve/);
    const open = await runHpo(["run", study, "--storage", "memory", "--serve", "--host", "0.0.0.0"]);
    expect(open.code).toBe(2);
    expect(open.stderr).toMatch(/--token/);
  });
});
