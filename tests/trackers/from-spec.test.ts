import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseTrackerSpec, trackerFromSpec, TrackerSpecError } from "../../trackers/from-spec.ts";
import { FakeWandbServer } from "./support/fake-wandb-server.ts";
import { readJsonlEvents, jsonlFileFor } from "hpo/trackers/jsonl";
import { runRealStudy } from "./support/real-study.ts";

describe("trackerFromSpec (the CLI's --tracker)", () => {
  it("parses name and key=value options", () => {
    expect(parseTrackerSpec("wandb")).toEqual({ name: "wandb", options: {} });
    expect(parseTrackerSpec(" WandB:project=foo, entity=bar,tags=a+b ")).toEqual({
      name: "wandb",
      options: { project: "foo", entity: "bar", tags: "a+b" },
    });
    expect(parseTrackerSpec("jsonl:path=runs/")).toEqual({ name: "jsonl", options: { path: "runs/" } });
    expect(parseTrackerSpec("wandb:baseUrl=http://h:1/?a=b").options).toEqual({ baseUrl: "http://h:1/?a=b" });
  });

  it("rejects bad specs with a message that says what is wrong", async () => {
    await expect(trackerFromSpec("tensorboard")).rejects.toThrow(/unknown tracker "tensorboard" \(one of console, jsonl, wandb\)/);
    await expect(trackerFromSpec("wandb:project")).rejects.toThrow(/"project" is not key=value/);
    await expect(trackerFromSpec("wandb:a=1,a=2")).rejects.toThrow(/"a" is given twice/);
    await expect(trackerFromSpec("wandb:projet=x")).rejects.toThrow(TrackerSpecError);
    await expect(trackerFromSpec("wandb:projet=x")).rejects.toThrow(`--tracker "wandb:projet=x": wandb(): unknown option "projet"`);
    await expect(trackerFromSpec("wandb:batchIntervalMs=soon")).rejects.toThrow(/batchIntervalMs/);
    await expect(trackerFromSpec("console:color=red")).rejects.toThrow(`--tracker "console:color=red": console: unknown option "color" (only bar=true|false)`);
    await expect(trackerFromSpec(":x=1")).rejects.toThrow(/missing tracker name/);
  });

  it("builds working trackers: jsonl, console, and wandb against a W&B-protocol server", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hpo-spec-"));
    const server = await FakeWandbServer.start({ apiKey: "spec-key" });
    const saved = process.env.WANDB_API_KEY;
    process.env.WANDB_API_KEY = "spec-key";
    try {
      const trackers = await Promise.all([
        trackerFromSpec(`jsonl:path=${dir},flushIntervalMs=10`),
        trackerFromSpec("console:bar=false"),
        trackerFromSpec(`wandb:baseUrl=${server.baseUrl},project=spec,entity=team,tags=x+y,batchIntervalMs=20`),
      ]);
      expect(trackers.map((t) => t.name)).toEqual(["jsonl", "console", "wandb"]);
      const outcome = await runRealStudy("spec-study", [trackers[0], trackers[2]], 2);
      expect(outcome.finished).toBe(2);
      expect((await readJsonlEvents(jsonlFileFor(dir, "spec-study"))).filter((e) => e.event === "trial_finish")).toHaveLength(2);
      const runs = server.group("spec-study");
      expect(runs.map((r) => [r.entity, r.project, r.tags, r.exitCode])).toEqual([
        ["team", "spec", ["x", "y"], 0],
        ["team", "spec", ["x", "y"], 0],
      ]);
    } finally {
      if (saved === undefined) delete process.env.WANDB_API_KEY;
      else process.env.WANDB_API_KEY = saved;
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
