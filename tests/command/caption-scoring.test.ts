// hpo scores captions: the `hpo:captions` message of the command objective (inline cases
// or a JSONL file) and the `hpo score-captions` command, both checked against hpo/metrics
// and the Python references of tests/fixtures/golden.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStudy, ThresholdPruner, type FrozenTrial } from "hpo";
import { command, parseReportLine } from "hpo/command";
import { computeCaptionMetrics } from "hpo/metrics";
import { runHpo } from "../support/run-hpo.ts";
import { script, writeChildPrograms, type ChildPrograms } from "./child-programs.ts";

interface GoldenCase {
  id: string;
  prediction: string;
  references: string[];
}
interface GoldenCorpus {
  name: string;
  case_ids: string[];
  bleu1: number | null;
  bleu2?: number | null;
  rougeL_mean_f?: number;
  meteor_mean?: number;
}
const golden = JSON.parse(readFileSync(fileURLToPath(new URL("../fixtures/golden/caption-metrics.json", import.meta.url)), "utf8")) as {
  cases: GoldenCase[];
  corpora: GoldenCorpus[];
};
const byId = new Map(golden.cases.map((c) => [c.id, c]));
const corpus = (name: string) => {
  const found = golden.corpora.find((c) => c.name === name);
  if (!found) throw new Error(`golden corpus ${name} missing`);
  return { ...found, cases: found.case_ids.map((id) => byId.get(id)!) };
};
const TOL = 1e-9;

let programs: ChildPrograms;
let dir: string;
beforeAll(() => {
  programs = writeChildPrograms();
  dir = mkdtempSync(join(tmpdir(), "hpo-captions-"));
});
afterAll(() => {
  programs.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const jsonl = (cases: readonly GoldenCase[]) => cases.map((c) => JSON.stringify({ prediction: c.prediction, references: c.references })).join("\n") + "\n";
const captionsLine = (payload: Record<string, unknown>) => `hpo:captions ${JSON.stringify(payload)}`;

/** Runs one trial of a real in-memory study over the scripted trainer. */
async function runTrial(studyName: string, steps: Record<string, unknown>[]) {
  const warnings: string[] = [];
  const logDir = join(dir, "trials");
  const objective = command({ cmd: programs.scriptedTrainer, logDir, env: script(...steps), onWarning: (m) => warnings.push(m) });
  const study = await createStudy({ storage: "memory", direction: "maximize", studyName });
  await study.optimize(objective, { nTrials: 1, catch: true });
  const [trial] = (await study.trials()) as FrozenTrial[];
  return { trial, warnings, trialDir: join(logDir, studyName, "trial-0") };
}

const scoresFile = (trialDir: string, split: string, step: number) =>
  JSON.parse(readFileSync(join(trialDir, "captions", `${split}-step${step}.scores.json`), "utf8")) as {
    step: number;
    split: string;
    scores?: Record<string, number>;
    error?: string;
  };

describe("hpo:captions", () => {
  it("parses inline and file messages, and names the field of a bad one", () => {
    expect(parseReportLine(captionsLine({ step: 2, split: "val", captions: [{ prediction: "a", reference: "b" }] }))).toEqual({
      kind: "captions",
      message: { step: 2, split: "val", source: { kind: "inline", cases: [{ prediction: "a", references: ["b"] }] } },
    });
    expect(parseReportLine(captionsLine({ step: 0, split: "test", path: "test.jsonl" }))).toEqual({
      kind: "captions",
      message: { step: 0, split: "test", source: { kind: "file", path: "test.jsonl" } },
    });
    const reason = (payload: Record<string, unknown>) => {
      const parsed = parseReportLine(captionsLine(payload));
      return parsed.kind === "invalid" ? parsed.reason : `not invalid: ${parsed.kind}`;
    };
    expect(reason({ step: 1, split: "val" })).toMatch(/captions: expected "captions" \(inline cases\) or "path"/);
    expect(reason({ step: 1, split: "val", path: "a", captions: [] })).toMatch(/exactly one of them/);
    expect(reason({ step: 1.5, split: "val", path: "a" })).toMatch(/step: expected an integer step/);
    expect(reason({ step: 1, split: "val set", path: "a" })).toMatch(/split: expected a split name/);
    expect(reason({ step: 1, split: "val", captions: [{ prediction: "a", references: [3] }] })).toMatch(/captions\.0\.references\.0: expected a string/);
  });

  it("scores inline captions and a JSONL file with hpo/metrics, equal to the Python references", async () => {
    const all = corpus("public_all");
    const nonEmpty = corpus("public_nonempty");
    const studyName = "captions-golden";
    const trialDir = join(dir, "trials", studyName, "trial-0");
    mkdirSync(trialDir, { recursive: true });
    writeFileSync(join(trialDir, "val-2.jsonl"), jsonl(nonEmpty.cases)); // relative paths are read from the trial folder
    const { trial, warnings } = await runTrial(studyName, [
      { out: captionsLine({ step: 1, split: "val", captions: all.cases.map((c) => ({ prediction: c.prediction, references: c.references })) }) },
      { out: captionsLine({ step: 2, split: "val", path: "val-2.jsonl" }) },
      { report: [2, 0.5] },
    ]);
    expect(trial.state).toBe("COMPLETE");
    for (const [step, c] of [[1, all], [2, nonEmpty]] as const) {
      const written = scoresFile(trialDir, "val", step);
      const expected = computeCaptionMetrics(c.cases.map((x) => x.prediction), c.cases.map((x) => x.references));
      expect(written.scores).toMatchObject({ bleu1: expected.bleu1, bleu2: expected.bleu2, rougeL: expected.rougeL, meteor: expected.meteor, cases: c.cases.length });
      expect(written.scores!.bleu1).toBeCloseTo(c.bleu1!, 9);
      expect(Math.abs(written.scores!.bleu2 - c.bleu2!)).toBeLessThan(TOL);
      expect(Math.abs(written.scores!.rougeL - c.rougeL_mean_f!)).toBeLessThan(TOL);
      expect(Math.abs(written.scores!.meteor - c.meteor_mean!)).toBeLessThan(TOL);
    }
    expect(warnings.filter((w) => /empty \(scored 0\)/.test(w))).toEqual([expect.stringMatching(/1 of 48 val predictions at step 1 are empty/)]);
  });

  it("warns about a bad predictions file, naming the line and the field, and writes the error for the program", async () => {
    const studyName = "captions-bad-file";
    const trialDir = join(dir, "trials", studyName, "trial-0");
    mkdirSync(trialDir, { recursive: true });
    writeFileSync(join(trialDir, "val.jsonl"), '{"prediction": "a", "references": ["b"]}\n\n{"prediction": "c", "references": "d"}\n');
    const { trial, warnings } = await runTrial(studyName, [{ out: captionsLine({ step: 1, split: "val", path: "val.jsonl" }) }, { report: [1, 0.1] }]);
    expect(trial.state).toBe("COMPLETE");
    const written = scoresFile(trialDir, "val", 1);
    expect(written.error).toMatch(/val\.jsonl: line 3: references: expected an array of strings/);
    expect(warnings).toEqual([expect.stringMatching(/ignored stdout line 1 \(hpo:captions not scored: .*line 3: references: expected an array of strings\)/)]);
  });
});

describe("hpo score-captions", { timeout: 120_000 }, () => {
  it("prints the four scores of a predictions file, equal to hpo/metrics on the golden corpus", async () => {
    const all = corpus("public_all");
    const file = join(dir, "predictions.jsonl");
    writeFileSync(file, jsonl(all.cases));
    const expected = computeCaptionMetrics(all.cases.map((x) => x.prediction), all.cases.map((x) => x.references));
    const json = await runHpo(["score-captions", file, "--json"]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ bleu1: expected.bleu1, bleu2: expected.bleu2, rougeL: expected.rougeL, meteor: expected.meteor, cases: 48, emptyPredictions: 1 });
    const text = await runHpo(["score-captions", file]);
    expect(text.code).toBe(0);
    expect(text.stdout.split("\n")).toEqual([
      `bleu1   ${expected.bleu1.toFixed(6)}`,
      `bleu2   ${expected.bleu2.toFixed(6)}`,
      `rougeL  ${expected.rougeL.toFixed(6)}`,
      `meteor  ${expected.meteor.toFixed(6)}`,
      "(48 cases, 1 empty prediction scored 0)",
      "",
    ]);
  });

  it("fails with one line naming the file, the line and the field", async () => {
    const bad = join(dir, "bad.jsonl");
    writeFileSync(bad, '{"prediction": "a", "references": ["b"]}\n{"prediction": 7, "references": ["b"]}\n');
    const result = await runHpo(["score-captions", bad]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`hpo: ${bad}: line 2: prediction: expected a string (the generated caption)\n`);
    const notJson = join(dir, "not-json.jsonl");
    writeFileSync(notJson, "prediction,references\n");
    expect((await runHpo(["score-captions", notJson])).stderr).toMatch(new RegExp(`^hpo: ${notJson}: line 1: not JSON \\(`));
    const missing = await runHpo(["score-captions", join(dir, "missing.jsonl")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/missing\.jsonl: cannot read the predictions file: ENOENT/);
    expect((await runHpo(["score-captions"])).stderr).toMatch(/expected one predictions file\nusage: hpo score-captions/);
  });
});


describe("hpo:captions, named metrics", () => {
  it("records the scores as the step's named metrics, which a study's pruner can watch", async () => {
    const all = corpus("public_nonempty");
    const captions = all.cases.map((c) => ({ prediction: c.prediction, references: c.references }));
    const objective = command({
      cmd: programs.scriptedTrainer,
      logDir: join(dir, "trials"),
      env: script(
        { out: captionsLine({ step: 1, split: "val", captions }) },
        { out: captionsLine({ step: 1, split: "test", captions: captions.slice(0, 5) }) },
        { out: captionsLine({ step: 2, split: "val", captions: captions.map((c) => ({ ...c, prediction: "" })) }) },
        { sleep: 60_000 },
      ),
    });
    // The pruner watches val_meteor: the first step's is high, the second's is 0 (empty captions).
    const study = await createStudy({ storage: "memory", direction: "maximize", metric: "val_meteor", pruner: new ThresholdPruner({ lower: 0.1 }) });
    await study.optimize(objective, { nTrials: 1, catch: true });
    const [trial] = await study.trials();
    expect(trial.state).toBe("PRUNED");
    const expected = computeCaptionMetrics(all.cases.map((x) => x.prediction), all.cases.map((x) => x.references));
    const test = computeCaptionMetrics(all.cases.slice(0, 5).map((x) => x.prediction), all.cases.slice(0, 5).map((x) => x.references));
    expect(trial.metrics.get(1)).toEqual({
      val_bleu1: expected.bleu1,
      val_bleu2: expected.bleu2,
      val_rougeL: expected.rougeL,
      val_meteor: expected.meteor,
      test_bleu1: test.bleu1,
      test_bleu2: test.bleu2,
      test_rougeL: test.rougeL,
      test_meteor: test.meteor,
    });
    expect(trial.metrics.get(2)).toMatchObject({ val_meteor: 0, val_bleu1: 0 });
    expect([...trial.intermediateValues]).toEqual([[1, expected.meteor], [2, 0]]);
  });
});
