/**
 * The layout rule (docs/layout.md): src/ is the core and imports nothing from the folders built on
 * it (samplers/, trackers/, objectives/), except in its two composition roots, src/index.ts and
 * src/cli/. The root export is the public API: no caption metrics (they live at hpo/metrics) and
 * no internals.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import * as root from "hpo";
import * as metrics from "hpo/metrics";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const upperFolders = ["samplers", "trackers", "objectives"];

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(entry.name) ? [path] : [];
  });
}

/** Every module specifier a file imports or re-exports, static or dynamic. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm;
  for (const match of text.matchAll(pattern)) found.push(match[1]!);
  return found;
}

function isCompositionRoot(file: string): boolean {
  const path = relative(repo, file).split(sep).join("/");
  return path === "src/index.ts" || path.startsWith("src/cli/");
}

describe("layout", () => {
  test("nothing in src/ outside its composition roots imports samplers/, trackers/ or objectives/", () => {
    const offenders: string[] = [];
    for (const file of sourceFiles(join(repo, "src"))) {
      if (isCompositionRoot(file)) continue;
      for (const specifier of specifiers(readFileSync(file, "utf8"))) {
        if (!specifier.startsWith(".")) continue;
        const target = relative(repo, resolve(dirname(file), specifier)).split(sep)[0]!;
        if (upperFolders.includes(target)) offenders.push(`${relative(repo, file)} imports ${specifier}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  test("the rule sees an upward import (the scan is not vacuous)", () => {
    const cli = sourceFiles(join(repo, "src", "cli")).flatMap((file) => specifiers(readFileSync(file, "utf8")));
    expect(cli.some((s) => /(^|\/)(trackers|objectives|samplers)\//.test(s))).toBe(true);
  });

  test("the root export is the public API, caption metrics only at hpo/metrics", () => {
    const rootNames = new Set(Object.keys(root));
    const leaked = Object.keys(metrics).filter((name) => rootNames.has(name));
    expect(leaked).toEqual([]);
    for (const internal of ["roundToStep", "clampToGrid", "sampleUniform", "workerOptionsShape", "resolveWorkerOptions", "studyViewOf", "toInternal"]) {
      expect(rootNames.has(internal), internal).toBe(false);
    }
    expect(rootNames.has("meteor")).toBe(false);
    expect(typeof metrics.computeCaptionMetrics).toBe("function");
    expect(Object.keys(root).filter((name) => name.endsWith("Schema"))).toEqual([]);
    // The public surface is a deliberate list: adding to it is a decision, not an accident.
    expect([...rootNames].sort()).toEqual([
      "CatchUpPruner", "DEFAULT_STORAGE_FOLDER", "DistributionError", "DuplicatedStudyError",
      "FEED_PROTOCOL_VERSION", "FeedHub", "HyperbandPruner", "InMemoryStorage", "MedianPruner",
      "NopPruner", "PatientPruner", "PercentilePruner", "RandomSampler", "ServeConfigError",
      "StorageConfigError", "StorageError", "Study", "StudyDefinitionError", "StudyNotFoundError",
      "StudyOptionsError", "SuccessiveHalvingPruner", "TPESampler", "ThresholdPruner", "TrackerHub",
      "Trial", "TrialFinishedError", "TrialNotRunningError", "TrialPruned", "TrialState",
      "categoricalDistribution", "createStudy", "decodeFeedMessage", "defaultGamma", "defaultWeights",
      "defineStudy", "deleteStudy", "floatDistribution", "hyperoptGamma", "intDistribution",
      "isTrialPruned", "listStudies", "loadStudy", "openStorage", "param", "paramImportances",
      "paramImportancesAsync", "startFeedServer",
    ]);
  });
});
