import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStudy, openStorage, RandomSampler, startFeedServer, type FeedServer, type FrozenTrial, type Storage } from "hpo";
import { launchChromium, until } from "../support/chromium.ts";

const OUTPUT = new URL("../../test-output/", import.meta.url).pathname;

describe("study page in Chromium: conditional params, table, log scale, errors, narrow screens", () => {
  let storage: Storage;
  let server: FeedServer;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let context: BrowserContext;
  let trials: FrozenTrial[];
  let front: FrozenTrial[];
  let frontOfThree: FrozenTrial[];

  beforeAll(async () => {
    storage = await openStorage("memory");
    server = await startFeedServer({ storage, port: 0, log: () => undefined });
    browser = await launchChromium();
    context = browser.context;
    // sgd trials have a momentum, adam trials do not; some trials diverge (huge values),
    // some fail with a reason, and every trial records a user attr.
    const study = await createStudy({ studyName: "conditional", storage, direction: "minimize", sampler: new RandomSampler({ seed: 11 }) });
    for (let i = 0; i < 30; i++) {
      const trial = await study.ask();
      const optimizer = trial.suggestCategorical("optimizer", ["sgd", "adam"]);
      const lr = trial.suggestFloat("lr", 1e-4, 1e-1, { log: true });
      const momentum = optimizer === "sgd" ? trial.suggestFloat("momentum", 0, 0.99) : 0;
      trial.setUserAttr("epochs", 3 + (i % 4));
      const loss = (Math.log10(lr) + 2.5) ** 2 + momentum * 0.1 + (optimizer === "adam" ? 0.05 : 0);
      for (let step = 0; step < 4; step++) trial.report(i % 7 === 3 ? 1e6 * (step + 1) : loss + 1 / (step + 1), step);
      if (i % 9 === 4) await study.tell(trial, { state: "FAIL", failReason: `out of memory at batch ${i}` });
      else await study.tell(trial, i % 7 === 3 ? 1e6 : loss);
    }
    trials = await study.trials();
    await study.close();
    // Beyond one page of the table.
    const big = await createStudy({ studyName: "many-trials", storage, direction: "maximize", sampler: new RandomSampler({ seed: 1 }) });
    for (let i = 0; i < 520; i++) {
      const trial = await big.ask();
      await big.tell(trial, trial.suggestFloat("x", 0, 1));
    }
    await big.close();
    const two = await createStudy({ studyName: "two-objectives", storage, directions: ["minimize", "maximize"], sampler: new RandomSampler({ seed: 4 }) });
    for (let i = 0; i < 25; i++) {
      const trial = await two.ask();
      const x = trial.suggestFloat("x", 0, 1);
      await two.tell(trial, [x * x, Math.sqrt(x) - 0.1 * trial.suggestFloat("noise", 0, 1)]);
    }
    front = await two.bestTrials;
    await two.close();
    const three = await createStudy({ studyName: "three-objectives", storage, directions: ["minimize", "maximize", "minimize"], sampler: new RandomSampler({ seed: 5 }) });
    for (let i = 0; i < 20; i++) {
      const trial = await three.ask();
      const x = trial.suggestFloat("x", 0, 1);
      const y = trial.suggestFloat("y", 0, 1);
      await three.tell(trial, [x + y, x * y, (1 - x) ** 2 + y]);
    }
    frontOfThree = await three.bestTrials;
    await three.close();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await storage?.close();
  });

  it("draws every complete trial in parallel coordinates and sorts, filters and pages the table", async () => {
    const page = context.pages()[0] ?? (await context.newPage());
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${server.url}#/study/conditional`);
    await page.waitForSelector('[data-testid="trial-count"]');
    const complete = trials.filter((t) => t.state === "COMPLETE");
    const adam = complete.filter((t) => t.params.optimizer === "adam");
    expect(adam.length).toBeGreaterThan(0);
    const parallel = page.locator("[data-testid=parallel-chart]");
    await until(page, async () => Number(await parallel.getAttribute("data-points")), (n) => n === complete.length, "a line per complete trial");
    expect(Number(await parallel.getAttribute("data-lacking"))).toBe(adam.length);

    // Slice of a conditional param: the trials that have it; EDF: every complete trial.
    await page.locator("[data-testid=slice-param]").selectOption("momentum");
    const sgd = complete.filter((t) => t.params.optimizer === "sgd");
    await until(page, async () => Number(await page.locator("[data-testid=slice-chart]").getAttribute("data-points")), (n) => n === sgd.length, "slice points");
    expect(Number(await page.locator("[data-testid=edf-chart]").getAttribute("data-points"))).toBe(complete.length);
    // Rank of lr against momentum: the sgd trials, the best of them first.
    await page.locator("[data-testid=rank-x]").selectOption("lr");
    await page.locator("[data-testid=rank-y]").selectOption("momentum");
    const rank = page.locator("[data-testid=rank-chart]");
    expect(Number(await rank.getAttribute("data-points"))).toBe(sgd.length);
    expect(await rank.getAttribute("data-best")).toBe(String(sgd.reduce((a, b) => (b.value! < a.value! ? b : a)).number));
    // Contour of lr against optimizer: every complete trial falls in a cell.
    await page.locator("[data-testid=contour-x]").selectOption("lr");
    await page.locator("[data-testid=contour-y]").selectOption("optimizer");
    const contour = page.locator("[data-testid=contour-chart]");
    expect(Number(await contour.getAttribute("data-trials"))).toBe(complete.length);
    expect(Number(await contour.getAttribute("data-cells"))).toBeGreaterThan(1);
    // Timeline: a bar per trial, failed ones marked.
    const timeline = page.locator("[data-testid=timeline-chart]");
    expect(Number(await timeline.getAttribute("data-bars"))).toBe(trials.length);
    expect(Number(await timeline.getAttribute("data-failed"))).toBe(trials.filter((t) => t.state === "FAIL").length);
    // Importance with its spread across the forest's trees.
    const importance = page.locator("[data-testid=importance-chart]");
    const bars = await until(page, async () => Number((await importance.getAttribute("data-params")) ?? 0), (n) => n >= 2, "importance bars");
    const spread = ((await importance.getAttribute("data-spread")) ?? "").split(",").map(Number);
    expect(spread).toHaveLength(bars);
    expect(spread.some((s) => s > 0)).toBe(true);

    // The user chooses and orders the axes.
    expect(await parallel.getAttribute("data-order")).toBe("optimizer,lr,momentum");
    await page.locator("[data-testid=axis-button]").click();
    await page.locator('[data-testid=axis-list] li[data-axis="lr"] button[data-move="-1"]').click();
    expect(await parallel.getAttribute("data-order")).toBe("lr,optimizer,momentum");
    await page.locator('[data-testid=axis-list] li[data-axis="momentum"] input').uncheck();
    expect(await parallel.getAttribute("data-order")).toBe("lr,optimizer");
    expect(Number(await parallel.getAttribute("data-axes"))).toBe(3);
    expect(Number(await parallel.getAttribute("data-points"))).toBe(complete.length);
    await page.locator("[data-testid=axis-button]").click();

    const table = page.locator("[data-testid=trials-table]");
    // Sorting by value puts the best first (a minimized study: the smallest).
    await table.locator('th[data-column="value"]').click();
    const best = complete.reduce((a, b) => (b.value! < a.value! ? b : a));
    expect(await table.locator("tbody tr").first().getAttribute("data-trial")).toBe(String(best.number));
    await table.locator('th[data-column="value"]').click();
    expect(await table.locator("tbody tr").first().getAttribute("data-trial")).not.toBe(String(best.number));
    // User attrs and fail reasons are columns; the state filter keeps failed trials only.
    expect(await table.locator('th[data-column="attr:epochs"]').count()).toBe(1);
    await page.locator("[data-testid=state-filter]").selectOption("FAIL");
    const failed = trials.filter((t) => t.state === "FAIL");
    expect(Number(await table.getAttribute("data-rows"))).toBe(failed.length);
    expect(await table.locator("tbody").textContent()).toContain(`out of memory at batch ${failed[0].number}`);
    await page.locator("[data-testid=state-filter]").selectOption("");
    // A filter line on a param and a user attr.
    await page.locator("[data-testid=trial-filter]").fill("optimizer=adam epochs>=5");
    const wanted = trials.filter((t) => t.params.optimizer === "adam" && (t.userAttrs.epochs as number) >= 5);
    expect(Number(await table.getAttribute("data-rows"))).toBe(wanted.length);
    await page.locator("[data-testid=trial-filter]").fill("");

    // Log scale: the diverging curves no longer flatten the rest.
    const curves = page.locator("[data-testid=intermediate-chart]");
    expect(await curves.getAttribute("data-log")).toBe("false");
    await page.locator("[data-testid=curves-log]").check();
    expect(await curves.getAttribute("data-log")).toBe("true");
    await page.locator("[data-testid=history-log]").check();
    expect(await page.locator("[data-testid=history-chart]").getAttribute("data-log")).toBe("true");
    await page.locator("[data-testid=slice-log]").check();
    expect(await page.locator("[data-testid=slice-chart]").getAttribute("data-log")).toBe("true");
    await page.locator("[data-testid=edf-log]").check();
    expect(await page.locator("[data-testid=edf-chart]").getAttribute("data-log")).toBe("true");
    expect(Number(await page.locator("[data-testid=edf-chart]").getAttribute("data-points"))).toBe(complete.length);
    mkdirSync(OUTPUT, { recursive: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(OUTPUT, "study-page-conditional.png"), fullPage: true });

    // Paging beyond 500 rows.
    await page.goto(`${server.url}#/study/many-trials`);
    await page.waitForSelector('[data-testid="trial-count"]');
    const many = page.locator("[data-testid=trials-table]");
    await until(page, async () => Number(await many.getAttribute("data-total")), (n) => n === 520, "all 520 trials");
    expect(await page.locator("[data-testid=page-note]").textContent()).toBe("1–100 of 520");
    for (let i = 0; i < 5; i++) await page.locator("[data-testid=page-next]").click();
    expect(await page.locator("[data-testid=page-note]").textContent()).toBe("501–520 of 520");
    expect(await many.locator("tbody tr").last().getAttribute("data-trial")).toBe("0");
    expect(errors).toEqual([]);
  });

  it("says once that a study does not exist, and fits a 420 px screen", async () => {
    const page = await context.newPage();
    await page.goto(`${server.url}#/study/no-such-study`);
    await page.locator("[data-testid=study-error]").waitFor();
    expect(await page.locator("[data-testid=study-error]").textContent()).toBe('No study named "no-such-study" in this storage.');
    expect(await page.locator("[data-testid=study-loading]").count()).toBe(0);
    expect(await page.locator("section.card:visible").count()).toBe(0);
    expect(await page.getByText("loading…").count()).toBe(0);

    await page.setViewportSize({ width: 420, height: 900 });
    await page.goto(`${server.url}#/study/conditional`);
    await page.waitForSelector('[data-testid="trial-count"]');
    await page.waitForTimeout(300);
    const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, view: window.innerWidth }));
    expect(widths.page).toBeLessThanOrEqual(widths.view);
    await page.screenshot({ path: join(OUTPUT, "study-page-420px.png"), fullPage: true });
    await page.close();
  });

  it("shows a two-objective study's Pareto front, with the selected trial ringed, and no empty learning-curve card", async () => {
    const page = await context.newPage();
    await page.goto(`${server.url}#/study/two-objectives`);
    await page.waitForSelector('[data-testid="trial-count"]');
    const chart = page.locator("[data-testid=pareto-chart]");
    await chart.waitFor();
    expect(Number(await chart.getAttribute("data-front"))).toBe(front.length);
    expect(Number(await chart.getAttribute("data-points"))).toBe(25);
    expect(await page.locator("[data-testid=intermediate-chart]").isVisible()).toBe(false);
    // Two objectives: nothing to choose.
    expect(await page.locator("[data-testid=pareto-x]").isVisible()).toBe(false);
    const pick = front[0].number;
    await page.locator(`[data-testid=trials-table] tr[data-trial="${pick}"]`).click();
    await page.locator(`[data-testid=trial-detail][data-trial="${pick}"]`).waitFor();
    expect(await chart.getAttribute("data-selected")).toBe(String(pick));
    await page.locator("[data-testid=trial-detail] .close").click();
    await chart.screenshot({ path: join(OUTPUT, "study-page-pareto.png") });
    await page.close();
  });

  it("shows a three-objective study's Pareto front by the two objectives the user picks", async () => {
    const page = await context.newPage();
    await page.goto(`${server.url}#/study/three-objectives`);
    await page.waitForSelector('[data-testid="trial-count"]');
    const chart = page.locator("[data-testid=pareto-chart]");
    await chart.waitFor();
    // The front is the trials no other trial dominates in all three objectives.
    expect(frontOfThree.length).toBeGreaterThan(2);
    expect(Number(await chart.getAttribute("data-front"))).toBe(frontOfThree.length);
    expect(Number(await chart.getAttribute("data-points"))).toBe(20);
    const pickY = page.locator("[data-testid=pareto-y]");
    expect(await pickY.isVisible()).toBe(true);
    expect(await pickY.locator("option").count()).toBe(3);
    expect(await chart.getAttribute("data-axes")).toBe("0,1");
    await pickY.selectOption("2");
    await page.waitForFunction(() => document.querySelector("[data-testid=pareto-chart]")?.getAttribute("data-axes") === "0,2");
    expect(Number(await chart.getAttribute("data-front"))).toBe(frontOfThree.length);
    const pick = frontOfThree[0]!.number;
    await page.locator(`[data-testid=trials-table] tr[data-trial="${pick}"]`).click();
    await page.locator(`[data-testid=trial-detail][data-trial="${pick}"]`).waitFor();
    expect(await chart.getAttribute("data-selected")).toBe(String(pick));
    await page.close();
  });
});
