import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStudy, openStorage, RandomSampler, startFeedServer, type FeedServer, type Storage } from "hpo";
import { launchChromium } from "../support/chromium.ts";

const TOKEN = "browser-note-token";

describe("notes in Chromium: a study note and a trial note, edited from two tabs", () => {
  let storage: Storage;
  let server: FeedServer;
  let browser: Awaited<ReturnType<typeof launchChromium>>;

  beforeAll(async () => {
    storage = await openStorage("memory");
    // With a token: the page's saves carry it as the tab's Bearer token.
    server = await startFeedServer({ storage, port: 0, token: TOKEN, log: () => undefined });
    browser = await launchChromium();
    const study = await createStudy({ studyName: "noted", storage, direction: "minimize", sampler: new RandomSampler({ seed: 3 }) });
    for (let i = 0; i < 3; i++) {
      const trial = await study.ask();
      await study.tell(trial, trial.suggestFloat("x", 0, 1));
    }
    await study.close();
  }, 120_000);
  const pageErrors: string[] = [];
  afterAll(async () => {
    expect(pageErrors).toEqual([]);
    await browser?.close();
    await server?.close();
    await storage?.close();
  });

  const open = async (hash: string): Promise<Page> => {
    const page = await browser.context.newPage();
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.goto(`${server.url}?token=${TOKEN}${hash}`);
    return page;
  };
  const text = (page: Page, testid: string) => page.locator(`[data-testid="${testid}"]`).innerText();

  it("saves a study note as text (never HTML) and another tab sees it live", async () => {
    const a = await open("#/study/noted");
    const b = await open("#/study/noted");
    await a.waitForSelector('[data-testid="study-note-edit"]');
    await b.waitForSelector('[data-testid="study-note-edit"]');
    expect(await text(b, "study-note-text")).toBe("no note");
    const hostile = '<img src=x onerror="document.title=\'pwned\'"> lr > 1e-2 diverges\nsecond line';
    await a.click('[data-testid="study-note-edit"]');
    await a.fill('[data-testid="study-note-input"]', hostile);
    await a.click('[data-testid="study-note-save"]');
    await a.waitForFunction(() => document.querySelector('[data-testid="study-note-status"]')?.textContent?.startsWith("saved (version 1)"));
    expect(await text(a, "study-note-text")).toBe(hostile);
    // The other tab gets it from the feed, as text.
    await b.waitForFunction((t) => document.querySelector('[data-testid="study-note-text"]')?.textContent === t, hostile);
    for (const page of [a, b]) {
      expect(await page.locator('[data-testid="study-note"] img').count()).toBe(0);
      expect(await page.title()).not.toBe("pwned");
    }
    expect((await storage.findStudy("noted"))!.systemAttrs["hpo:note"]).toEqual({ version: 1, text: hostile });
    await a.close();
    await b.close();
  });

  it("a trial note edited in two tabs at once: the second save reports the first, keeps its text, and saves on confirming", async () => {
    const a = await open("#/study/noted/trial/1");
    const b = await open("#/study/noted/trial/1");
    for (const page of [a, b]) {
      await page.waitForSelector('[data-testid="trial-note-edit"]');
      await page.click('[data-testid="trial-note-edit"]');
    }
    await a.fill('[data-testid="trial-note-input"]', "from tab A");
    await a.click('[data-testid="trial-note-save"]');
    await a.waitForFunction(() => document.querySelector('[data-testid="trial-note-text"]')?.textContent === "from tab A");

    await b.fill('[data-testid="trial-note-input"]', "from tab B");
    await b.click('[data-testid="trial-note-save"]');
    await b.waitForFunction(() => /Someone else saved this note meanwhile \(version 1/.test(document.querySelector('[data-testid="trial-note-status"]')?.textContent ?? ""));
    expect(await text(b, "trial-note-conflict")).toBe("from tab A");
    expect(await b.inputValue('[data-testid="trial-note-input"]')).toBe("from tab B");
    expect((await storage.findStudy("noted"))!.systemAttrs["hpo:note:trial:1"]).toEqual({ version: 1, text: "from tab A" });

    await b.click('[data-testid="trial-note-save"]');
    await b.waitForFunction(() => document.querySelector('[data-testid="trial-note-text"]')?.textContent === "from tab B");
    // Tab A follows the feed.
    await a.waitForFunction(() => document.querySelector('[data-testid="trial-note-text"]')?.textContent === "from tab B");
    expect((await storage.findStudy("noted"))!.systemAttrs["hpo:note:trial:1"]).toEqual({ version: 2, text: "from tab B" });
    // Another trial's note is its own.
    const other = await open("#/study/noted/trial/2");
    await other.waitForSelector('[data-testid="trial-note-text"]');
    expect(await text(other, "trial-note-text")).toBe("no note");
    await Promise.all([a.close(), b.close(), other.close()]);
  });
});
