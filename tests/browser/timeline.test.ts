import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStorage, startFeedServer, type FeedServer, type Storage } from "hpo";
import { launchChromium } from "../support/chromium.ts";

describe("timeline by worker in Chromium", () => {
  let storage: Storage;
  let server: FeedServer;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let studyId: number;

  // Storage clocks count milliseconds: a pause keeps one trial's end from sharing its millisecond with the next start.
  const tick = () => new Promise((r) => setTimeout(r, 5));
  const run = async (worker: string, state: "COMPLETE" | "PRUNED" | "FAIL" | null) => {
    await tick();
    const t = (await storage.claimOrCreateTrial(studyId, { workerId: worker }))!;
    if (state) await storage.updateTrial(t.trialId, { finish: { state, values: state === "COMPLETE" ? [t.number] : null } });
    return t;
  };

  beforeAll(async () => {
    storage = await openStorage("memory");
    server = await startFeedServer({ storage, port: 0, log: () => undefined });
    browser = await launchChromium();
    studyId = (await storage.createStudy("two-workers", ["minimize"])).studyId;
    // alpha runs two trials at once (its second lane), then a pruned one; beta one that fails.
    const overlapping = await run("alpha:101:aa", null);
    await run("alpha:101:aa", "COMPLETE");
    await tick();
    await storage.updateTrial(overlapping.trialId, { finish: { state: "COMPLETE", values: [0] } });
    await run("beta:202:bb", "FAIL");
    await run("alpha:101:aa", "PRUNED");
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await storage?.close();
  });

  it("draws a row per worker (a lane for trials it ran at once), pruned and failed marked, and follows new workers live", async () => {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${server.url}#/study/two-workers`);
    const timeline = page.locator("[data-testid=timeline-chart]");
    await page.waitForFunction(() => document.querySelector("[data-testid=timeline-chart]")?.getAttribute("data-bars") === "4");
    expect(await timeline.getAttribute("data-workers")).toBe("2");
    expect((await timeline.getAttribute("data-rows"))!.split("\n")).toEqual(["alpha:101", "alpha:101 (2)", "beta:202"]);
    expect(await timeline.getAttribute("data-pruned")).toBe("1");
    expect(await timeline.getAttribute("data-failed")).toBe("1");
    await run("gamma:303:cc", null);
    await page.waitForFunction(() => document.querySelector("[data-testid=timeline-chart]")?.getAttribute("data-workers") === "3");
    expect((await timeline.getAttribute("data-rows"))!.split("\n")).toEqual(["alpha:101", "alpha:101 (2)", "beta:202", "gamma:303"]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
