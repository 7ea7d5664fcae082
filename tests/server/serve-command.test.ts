import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createStudy } from "hpo";
import { freshPgliteFolder, uniqueName } from "../support/backends.ts";
import { runHpo, startHpo } from "../support/run-hpo.ts";
import { WsProbe } from "./ws-probe.ts";

const folders: string[] = [];
afterAll(() => {
  for (const f of folders) rmSync(join(f, ".."), { recursive: true, force: true });
});

/** Waits until the child printed the dashboard line; returns its URL. */
async function dashboardUrl(stderr: () => string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = /hpo: dashboard (http:\/\/\S+)/.exec(stderr());
    if (m) return m[1];
    if (Date.now() > deadline) throw new Error(`no dashboard line; stderr:\n${stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("hpo serve", () => {
  it("serves an embedded folder's studies until SIGTERM; a second server reads them through the first", async () => {
    const folder = freshPgliteFolder();
    folders.push(folder);
    const name = uniqueName("served");
    const study = await createStudy({ studyName: name, storage: folder, direction: "minimize" });
    await study.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 3 });
    await study.close();

    const { child, done } = startHpo(["serve", "--storage", folder, "--port", "0"]);
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    const url = await dashboardUrl(() => stderr);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const { studies } = (await (await fetch(`${url}api/studies`)).json()) as { studies: { name: string; counts: { COMPLETE: number } }[] };
    expect(studies.map((s) => [s.name, s.counts.COMPLETE])).toEqual([[name, 3]]);
    const probe = await WsProbe.open(`${url.replace(/^http/, "ws")}ws`);
    probe.send({ type: "subscribe", study: name });
    const snap = await probe.waitFor((m) => m.type === "snapshot");
    expect(snap.type === "snapshot" && snap.trials).toHaveLength(3);

    // A second server on the same folder reads it through the first (PGlite: one process per folder).
    const second = startHpo(["serve", "--storage", folder, "--port", "0"]);
    let secondErr = "";
    second.child.stderr!.on("data", (d) => (secondErr += d));
    const secondUrl = await dashboardUrl(() => secondErr);
    expect(secondErr).toMatch(/read through process \d+/);
    const again = (await (await fetch(`${secondUrl}api/studies`)).json()) as { studies: { name: string; counts: { COMPLETE: number } }[] };
    expect(again.studies.map((s) => [s.name, s.counts.COMPLETE])).toEqual([[name, 3]]);
    const secondProbe = await WsProbe.open(`${secondUrl.replace(/^http/, "ws")}ws`);
    secondProbe.send({ type: "subscribe", study: name });
    const secondSnap = await secondProbe.waitFor((m) => m.type === "snapshot");
    expect(secondSnap.type === "snapshot" && secondSnap.trials).toHaveLength(3);
    second.child.kill("SIGTERM");
    expect((await second.done).code).toBe(0);

    child.kill("SIGTERM");
    const result = await done;
    expect(result.code).toBe(0);
    expect((await probe.closed).code).toBe(1001);
  });

  it("refuses a public host without a token, and a folder that holds no storage", async () => {
    const pub = await runHpo(["serve", "--storage", "memory", "--host", "0.0.0.0", "--port", "0"]);
    expect(pub.code).toBe(2);
    expect(pub.stderr).toMatch(/--token/);
    const missing = await runHpo(["serve", "--storage", "/nonexistent/hpo-folder"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no hpo storage/);
  });
});
