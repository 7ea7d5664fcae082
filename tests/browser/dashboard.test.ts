import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStudy, openStorage, RandomSampler, startFeedServer, TrialPruned, type FeedServer, type Storage } from "hpo";
import { launchChromium, until } from "../support/chromium.ts";

const TOKEN = "browser-test-token";
const OUTPUT = new URL("../../test-output/", import.meta.url).pathname;

describe("dashboard in Chromium", () => {
  let storage: Storage;
  let server: FeedServer;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let context: BrowserContext;

  beforeAll(async () => {
    storage = await openStorage("memory");
    server = await startFeedServer({ storage, port: 0, token: TOKEN, log: () => undefined });
    browser = await launchChromium();
    context = browser.context;
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await storage?.close();
  });

  it("shows a running study live: rows appear, charts gain points, pruned curves are cut, a trial opens", async () => {
    const page = context.pages()[0] ?? (await context.newPage());
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    const requests: string[] = [];
    page.on("request", (r) => requests.push(new URL(r.url()).pathname));

    const study = await createStudy({ studyName: "browser-study", storage, direction: "minimize", sampler: new RandomSampler({ seed: 5 }) });
    await page.goto(`${server.url}?token=${TOKEN}`);
    await page.locator('tr[data-study="browser-study"] a').click();
    await page.waitForSelector('[data-testid="study-summary"] [data-testid="trial-count"]');
    expect(await page.locator("[data-testid=connection]").getAttribute("data-state")).toBe("live");

    // The study runs in the background while the page watches.
    const running = study.optimize(
      async (trial) => {
        const x = trial.suggestFloat("x", -1, 1);
        const depth = trial.suggestInt("depth", 1, 8);
        for (let step = 0; step < 5; step++) {
          trial.report((x - 0.2) ** 2 + 1 / (step + 1) + depth * 0.01, step);
          await new Promise((r) => setTimeout(r, 40));
          if (step === 2 && x > 0.5) throw new TrialPruned();
        }
        return (x - 0.2) ** 2 + depth * 0.01;
      },
      { nTrials: 24 },
    );
    const rows = () => page.locator("[data-testid=trials-table] tbody tr").count();
    const historyPoints = async () => Number((await page.locator("[data-testid=history-chart]").getAttribute("data-points")) ?? 0);
    const firstRows = await until(page, rows, (n) => n >= 1, "trial rows");
    const firstPoints = await until(page, historyPoints, (n) => n >= 1, "history points");
    await running;
    await until(page, rows, (n) => n === 24, "all 24 rows");
    expect(firstRows).toBeLessThan(24);
    const lastPoints = await until(page, historyPoints, (n) => n > firstPoints, "history points growing");
    const complete = (await study.trials()).filter((t) => t.state === "COMPLETE").length;
    const pruned = (await study.trials()).filter((t) => t.state === "PRUNED").length;
    await until(page, historyPoints, (n) => n === complete, "one history point per complete trial");
    expect(lastPoints).toBeLessThanOrEqual(complete);
    expect(pruned).toBeGreaterThan(0);
    const curves = page.locator("[data-testid=intermediate-chart]");
    // The last trial's PRUNED state may still be on its way through the feed.
    await until(page, async () => Number(await curves.getAttribute("data-pruned")), (n) => n === pruned, "every pruned curve cut");
    expect(Number(await curves.getAttribute("data-curves"))).toBe(24);
    expect(Number(await page.locator("[data-testid=parallel-chart]").getAttribute("data-axes"))).toBe(3);
    await until(page, async () => Number((await page.locator("[data-testid=importance-chart]").getAttribute("data-params")) ?? 0), (n) => n === 2, "importance bars");
    expect(await page.locator("[data-testid=trials-table] tr[data-state=PRUNED]").count()).toBe(pruned);

    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, "dashboard-study.png") });

    // Open the best trial from the table.
    const best = await study.bestTrial;
    await page.locator(`[data-testid=trials-table] tr[data-trial="${best.number}"]`).click();
    const detail = page.locator(`[data-testid=trial-detail][data-trial="${best.number}"]`);
    await detail.waitFor();
    expect(await detail.locator("[data-testid=trial-state]").textContent()).toBe("COMPLETE");
    expect(await detail.locator("[data-testid=trial-params] tr").count()).toBe(2);
    expect(Number(await detail.locator("[data-testid=trial-curve]").getAttribute("data-points"))).toBe(5);
    expect(page.url()).toContain(`/trial/${best.number}`);

    await page.screenshot({ path: join(OUTPUT, "dashboard-trial.png") });

    // Everything after the first load came over the WebSocket: no page reloads, no polling of trials.
    expect(requests.filter((p) => p === "/")).toHaveLength(1);
    expect(requests.filter((p) => /^\/api\/studies\/[^/]+$/.test(p) || p === "/api/studies")).toEqual([]);
    expect(errors).toEqual([]);
    await study.close();
  });
  it("lets the user pick which metric the learning curves show, from the snapshot and live reports alike", async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    const study = await createStudy({ studyName: "metrics-study", storage, direction: "maximize", metric: "meteor", sampler: new RandomSampler({ seed: 2 }) });
    // Five epochs of METEOR and BLEU-1, a validation loss on the first four only.
    const objective = async (trial: import("hpo").Trial) => {
      const x = trial.suggestFloat("x", 0, 1);
      for (let epoch = 0; epoch < 5; epoch++) {
        const meteor = x * (epoch + 1) * 0.05;
        trial.report(epoch < 4 ? { val_loss: 3 - meteor, meteor, bleu1: meteor * 1.3 } : { meteor, bleu1: meteor * 1.3 }, epoch);
      }
      return x;
    };
    await study.optimize(objective, { nTrials: 3 });
    await page.goto(`${server.url}?token=${TOKEN}#/study/metrics-study`);
    const curves = page.locator("[data-testid=intermediate-chart]");
    const pick = page.locator("[data-testid=metric-pick]");
    const points = async () => Number((await curves.getAttribute("data-points")) ?? 0);
    await until(page, points, (n) => n === 15, "meteor points of the first 3 trials");
    expect(await curves.getAttribute("data-metric")).toBe("meteor");
    expect(await pick.locator("option").allTextContents()).toEqual(["meteor (pruner)", "val_loss", "bleu1"]);
    expect(await pick.inputValue()).toBe("meteor");

    await pick.selectOption("val_loss");
    await until(page, points, (n) => n === 12, "val_loss points");
    expect(await curves.getAttribute("data-metric")).toBe("val_loss");
    // Trials run while the page watches: their reports arrive as events, and the pick stays.
    await study.optimize(objective, { nTrials: 2 });
    await until(page, points, (n) => n === 20, "val_loss points of 5 trials");
    expect(Number(await curves.getAttribute("data-curves"))).toBe(5);
    expect(await pick.inputValue()).toBe("val_loss");
    await pick.selectOption("bleu1");
    await until(page, points, (n) => n === 25, "bleu1 points");
    // A trial's panel lists every metric of every step.
    await page.locator('[data-testid=trials-table] tr[data-trial="0"]').click();
    const table = page.locator("[data-testid=trial-detail] [data-testid=trial-metrics]");
    await table.waitFor();
    expect(await table.locator("thead th").allTextContents()).toEqual(["step", "val_loss", "meteor", "bleu1"]);
    expect(await table.locator("tbody tr").count()).toBe(5);
    expect(await table.locator("tbody tr").last().locator("td").nth(1).textContent()).toBe("");
    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, "dashboard-metric-pick.png") });
    expect(errors).toEqual([]);
    await page.close();
    await study.close();
  });
});
