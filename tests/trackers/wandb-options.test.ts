import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKeyFromNetrc, parseNetrc, parseWandbJson, resolveWandbSettings, toWandbJson, wandb } from "hpo/trackers/wandb";

let dir: string;
let netrc: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hpo-wandb-opts-"));
  netrc = join(dir, "netrc");
  await writeFile(
    netrc,
    "machine github.com login me password gh\nmachine api.wandb.ai\n  login user\n  password netrc-key-1\nmachine localhost:8080 login user password local-key\n",
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("wandb options and W&B env conventions", () => {
  it("reads WANDB_* variables, with explicit options winning", () => {
    const env = {
      WANDB_API_KEY: "env-key",
      WANDB_BASE_URL: "https://wandb.example.com/",
      WANDB_MODE: "offline",
      WANDB_PROJECT: "p-env",
      WANDB_ENTITY: "e-env",
      WANDB_DIR: "/tmp/runs",
      WANDB_RUN_GROUP: "g-env",
      WANDB_TAGS: "a,b , c",
    };
    expect(resolveWandbSettings({ env })).toMatchObject({
      apiKey: "env-key", baseUrl: "https://wandb.example.com", mode: "offline", project: "p-env", entity: "e-env",
      dir: "/tmp/runs", group: "g-env", tags: ["a", "b", "c"],
    });
    expect(resolveWandbSettings({ env, project: "p", entity: "e", mode: "online", tags: ["x"], apiKey: "k" })).toMatchObject({
      project: "p", entity: "e", mode: "online", tags: ["x"], apiKey: "k",
    });
  });

  it("defaults: online, https://api.wandb.ai, project hpo, job type trial, group = study (undefined here), 15 s batches", () => {
    expect(resolveWandbSettings({ env: {}, netrcPath: join(dir, "missing") })).toMatchObject({
      mode: "online", baseUrl: "https://api.wandb.ai", project: "hpo", jobType: "trial", group: undefined, tags: [],
      apiKey: undefined, batchIntervalMs: 15_000, heartbeatIntervalMs: 30_000, metricName: "value",
    });
  });

  it("takes the API key from ~/.netrc for the API host when WANDB_API_KEY is unset", () => {
    expect(resolveWandbSettings({ env: {}, netrcPath: netrc }).apiKey).toBe("netrc-key-1");
    expect(resolveWandbSettings({ env: { NETRC: netrc, WANDB_BASE_URL: "http://localhost:8080" } }).apiKey).toBe("local-key");
    expect(resolveWandbSettings({ env: { WANDB_API_KEY: "env" }, netrcPath: netrc }).apiKey).toBe("env");
    expect(apiKeyFromNetrc("https://other.host", netrc)).toBeUndefined();
    expect(parseNetrc("default login a password b").get("")).toEqual({ login: "a", password: "b" });
  });

  it("accepts W&B's mode aliases and rejects unknown modes and bad options clearly", () => {
    expect(resolveWandbSettings({ env: { WANDB_MODE: "dryrun" } }).mode).toBe("offline");
    expect(resolveWandbSettings({ env: { WANDB_MODE: "DISABLED" } }).mode).toBe("disabled");
    expect(() => resolveWandbSettings({ env: { WANDB_MODE: "sometimes" } })).toThrow(/WANDB_MODE="sometimes" is not one of online, offline, disabled/);
    expect(() => wandb({ mode: "later" as never })).toThrow('wandb(): mode: must be "online", "offline" or "disabled"');
    expect(() => wandb({ batchIntervalMs: 0 })).toThrow("wandb(): batchIntervalMs: must be a positive whole number of milliseconds");
    expect(() => wandb({ baseUrl: "not a url" })).toThrow("wandb(): baseUrl: must be an absolute URL such as https://api.wandb.ai");
    expect(() => wandb({ projet: "typo" } as never)).toThrow(`wandb(): unknown option "projet"`);
    expect(() => wandb({ tags: [""] })).toThrow("wandb(): tags.0: must be a non-empty string");
    expect(() => wandb({ maxRetries: -1 })).toThrow("wandb(): maxRetries: must be a whole number >= 0");
  });

  it("is a tracker with no hooks when disabled, and says once that there is no API key when online without one", async () => {
    const off = wandb({ env: { WANDB_MODE: "disabled" } });
    expect(off.name).toBe("wandb");
    expect(off.onTrialStart).toBeUndefined();
    const logs: string[] = [];
    const noKey = wandb({ env: {}, netrcPath: join(dir, "missing"), log: (m) => logs.push(m) });
    expect(logs).toEqual([]); // nothing said until the tracker is used
    const { frozenTrial } = await import("./support/frozen-trials.ts");
    for (let n = 0; n < 3; n++) noKey.onTrialStart?.({ studyName: "s", trial: frozenTrial({ number: n, state: "RUNNING" }) });
    await noKey.close?.();
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/no API key: set WANDB_API_KEY or run `wandb login`/);
  });
});

describe("W&B JSON (Python json.dumps style)", () => {
  it("writes non-finite numbers as NaN/Infinity tokens and reads them back", () => {
    const value = { a: Number.NaN, b: [Infinity, -Infinity, 1.5], s: "NaN Infinity \"q\"", n: null, t: true };
    const text = toWandbJson(value);
    expect(text).toBe('{"a":NaN,"b":[Infinity,-Infinity,1.5],"s":"NaN Infinity \\"q\\"","n":null,"t":true}');
    expect(parseWandbJson(text)).toEqual(value);
    expect(parseWandbJson('{"x": -Infinity, "y": "a\\\\"}')).toEqual({ x: -Infinity, y: "a\\" });
  });
});
