import { existsSync } from "node:fs";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStudy, openStorage, RandomSampler, startFeedServer, type FeedServer, type Storage } from "hpo";
import { CHROMIUM, launchChromium } from "../support/chromium.ts";

// Issue 17, defect 4: the importance tooltip rendered a param name as HTML, so a param
// named <img src=x onerror=…> ran script in the dashboard's origin when someone hovered its
// bar. Here every name and value a study writer controls carries markup that would run.

const mark = (where: string) => `<img src=x onerror="window.__xss=(window.__xss||[]).concat('${where}')">`;
const PARAM = mark("param");
const STUDY = `xss-study ${mark("study")}`;

async function hoverEverywhere(page: Page, testid: string): Promise<string[]> {
  const box = await page.locator(`[data-testid=${testid}]`).boundingBox();
  if (!box) throw new Error(`no ${testid}`);
  const tooltips: string[] = [];
  for (let y = box.y + 10; y < box.y + box.height - 10; y += 12) {
    for (let x = box.x + 20; x < box.x + box.width - 10; x += 40) {
      await page.mouse.move(x, y);
      const text = await page.evaluate(() => Array.from(document.querySelectorAll("div")).filter((d) => d.style.position === "absolute" && d.style.zIndex !== "" && d.style.display !== "none" && d.textContent).map((d) => d.textContent!).join("|"));
      if (text) tooltips.push(text);
    }
  }
  return tooltips;
}

describe.skipIf(!existsSync(CHROMIUM))("dashboard: names are text, never markup", () => {
  let storage: Storage;
  let server: FeedServer;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let context: BrowserContext;

  beforeAll(async () => {
    storage = await openStorage("memory");
    const study = await createStudy({ studyName: STUDY, storage, direction: "minimize", sampler: new RandomSampler({ seed: 2 }) });
    await study.setUserAttr(mark("study-attr"), mark("study-attr-value"));
    await study.optimize(
      (trial) => {
        const x = trial.suggestFloat(PARAM, 0, 1);
        trial.suggestCategorical("kind", [mark("choice-a"), "plain"]);
        trial.setUserAttr(mark("attr-key"), mark("attr-value"));
        trial.report(x, 0);
        if (trial.number === 7) throw new Error(mark("fail-reason"));
        return x * x;
      },
      { nTrials: 8, catch: true },
    );
    await study.close();
    server = await startFeedServer({ storage, port: 0, log: () => undefined });
    browser = await launchChromium();
    context = browser.context;
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await storage?.close();
  });

  it("shows a param named <img onerror=…> as its text in the importance tooltip, tables and trial panel; no script runs", async () => {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(server.url);
    await page.locator("[data-testid=studies-table] tbody a").first().click();
    await page.waitForSelector("[data-testid=trial-count]");
    await expect.poll(async () => Number(await page.locator("[data-testid=importance-chart]").getAttribute("data-params")), { timeout: 30_000 }).toBe(2);

    const tooltips = [...(await hoverEverywhere(page, "importance-chart")), ...(await hoverEverywhere(page, "intermediate-chart"))];
    expect(tooltips.some((t) => t.includes(PARAM)), `tooltips seen: ${tooltips.slice(0, 5).join(" / ")}`).toBe(true);

    await page.locator("[data-testid=trials-table] tr[data-trial='7']").click();
    await page.waitForSelector("[data-testid=trial-detail][data-trial='7'] [data-testid=trial-params]");
    await page.waitForTimeout(500);
    const panel = (await page.locator("[data-testid=trial-detail]").textContent()) ?? "";
    // Values show as JSON (quotes escaped); each is there as text.
    for (const where of ["param", "choice-a", "attr-key", "attr-value", "fail-reason"]) expect(panel).toContain(`concat('${where}')`);
    expect(await page.locator("[data-testid=trials-table]").textContent()).toContain(PARAM);
    expect(await page.locator(".study-head h1").textContent()).toBe(STUDY);

    await page.goto(`${server.url}#/`);
    await page.waitForSelector("[data-testid=studies-table] tbody tr");
    expect(await page.locator("[data-testid=studies-table] tbody").textContent()).toContain(STUDY);

    expect(await page.locator("img[src=x]").count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: string[] }).__xss ?? [])).toEqual([]);
  });
});
