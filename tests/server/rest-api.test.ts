import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStudy, decodeFeedMessage, openStorage, RandomSampler, startFeedServer, type FeedServer, type Storage } from "hpo";

/** GETs a path and decodes the JSON body (non-finite numbers restored). */
async function getJson(server: FeedServer, path: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const res = await fetch(new URL(path, server.url), init);
  return { status: res.status, body: decodeFeedMessage(await res.text()) };
}

describe("REST API and static files", () => {
  let storage: Storage;
  let server: FeedServer;

  beforeAll(async () => {
    storage = await openStorage("memory");
    const study = await createStudy({ studyName: "rest study", storage, direction: "minimize", sampler: new RandomSampler({ seed: 3 }) });
    await study.optimize(
      (trial) => {
        const lr = trial.suggestFloat("lr", 1e-4, 1e-1, { log: true });
        const layers = trial.suggestInt("layers", 1, 4);
        const act = trial.suggestCategorical("act", ["relu", "tanh"]);
        trial.report(Number.NaN, 0);
        trial.setUserAttr("note", Infinity);
        // lr matters most, then act; layers not at all.
        return 5 * Math.log10(lr) ** 2 + (act === "relu" ? 0 : 3);
      },
      { nTrials: 40 },
    );
    await study.close();
    server = await startFeedServer({ storage, port: 0, log: () => undefined });
  });
  afterAll(async () => {
    await server.close();
    await storage.close();
  });

  it("lists studies with counts and best values", async () => {
    const { status, body } = await getJson(server, "/api/studies");
    expect(status).toBe(200);
    expect(body.studies).toHaveLength(1);
    expect(body.studies[0]).toMatchObject({ name: "rest study", directions: ["minimize"], counts: { COMPLETE: 40 } });
    expect(typeof body.studies[0].bestValue).toBe("number");
  });

  it("serves a study's trials and one trial, keeping NaN and Infinity", async () => {
    const study = await getJson(server, `/api/studies/${encodeURIComponent("rest study")}`);
    expect(study.status).toBe(200);
    expect(study.body.trials).toHaveLength(40);
    expect(study.body.seq).toBeGreaterThan(40);
    const one = await getJson(server, "/api/studies/rest%20study/trials/7");
    expect(one.status).toBe(200);
    expect(one.body.trial).toMatchObject({ number: 7, state: "COMPLETE", userAttrs: { note: Infinity } });
    expect(Number.isNaN(one.body.trial.intermediate[0][1])).toBe(true);
    expect(Object.keys(one.body.trial.params)).toEqual(["lr", "layers", "act"]);
    expect(one.body.trial.distributions.lr).toEqual({ type: "float", low: 1e-4, high: 1e-1, log: true, step: null });
  });

  it("answers unknown studies, trials and routes with 404, bad input with 400, writes with 405", async () => {
    expect((await getJson(server, "/api/studies/nope")).status).toBe(404);
    expect((await getJson(server, "/api/studies/rest%20study/trials/99")).status).toBe(404);
    expect((await getJson(server, "/api/studies/rest%20study/trials/-1")).status).toBe(400);
    expect((await getJson(server, "/api/studies/rest%20study/importance?seed=abc")).status).toBe(400);
    expect((await getJson(server, "/api/studies/rest%20study/importance?objective=1")).status).toBe(400);
    expect((await getJson(server, "/api/nothing")).status).toBe(404);
    expect((await getJson(server, "/api/studies/%E0%A4%A")).status).toBe(400);
    expect((await getJson(server, "/api/studies", { method: "POST" })).status).toBe(405);
  });

  it("computes parameter importance on the server, the same for the same seed", async () => {
    const a = await getJson(server, "/api/studies/rest%20study/importance?seed=5");
    const b = await getJson(server, "/api/studies/rest%20study/importance?seed=5");
    expect(a.status).toBe(200);
    expect(a.body).toEqual(b.body);
    expect(a.body).toMatchObject({ method: "fanova", nTrials: 40, seed: 5, objective: 0 });
    expect(a.body.params.map((p: { name: string }) => p.name)).toEqual(["lr", "act", "layers"]);
    expect(a.body.params[0].importance).toBeGreaterThan(0.5);
    const sum = a.body.params.reduce((s: number, p: { importance: number }) => s + p.importance, 0);
    expect(sum).toBeCloseTo(1, 9);
  });

  it("serves the dashboard and echarts without a build step, and nothing outside its folder", async () => {
    const page = await fetch(server.url);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    expect(await page.text()).toContain('src="./app.js"');
    for (const path of ["/app.js", "/feed-client.js", "/views/study-view.js", "/charts/history-chart.js", "/styles.css"]) {
      const res = await fetch(new URL(path, server.url));
      expect(res.status, path).toBe(200);
    }
    const echarts = await fetch(new URL("/vendor/echarts.js", server.url));
    expect(echarts.headers.get("content-type")).toMatch(/javascript/);
    expect(await echarts.text()).toMatch(/export\s*\{/);
    for (const path of ["/../package.json", "/%2e%2e/package.json", "/vendor/../../package.json", "/nope.js"]) {
      expect((await fetch(new URL(path, server.url))).status, path).toBe(404);
    }
    const etag = page.headers.get("etag")!;
    expect((await fetch(server.url, { headers: { "if-none-match": etag } })).status).toBe(304);
  });
});
