/**
 * `import "hpo"` stays light: importing the package (or hpo/metrics) reads nothing of
 * WordNet; BLEU, ROUGE-L and tokenization never load it; METEOR loads it on first need.
 * Runs in a child process so the file-system probes see a fresh module graph.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

const PROBE = `
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
const touched = [];
for (const name of ["readFileSync", "openSync", "existsSync", "readdirSync", "statSync", "createReadStream"]) {
  const original = fs[name];
  fs[name] = function (path, ...rest) {
    if (String(path).includes("wordnet-data")) touched.push(name + " " + String(path).split("wordnet-data")[1]);
    return original.call(this, path, ...rest);
  };
}
syncBuiltinESMExports();
const report = {};
// The root package, then hpo/metrics (the caption metrics live there since the layout rule).
await import(${JSON.stringify(`${ROOT}src/index.ts`)});
const hpo = await import(${JSON.stringify(`${ROOT}objectives/metrics/index.ts`)});
report.afterImport = { loaded: hpo.isWordNetLoaded(), touched: touched.length };
hpo.corpusBleu(["Quick Beet Salad"], [["Fast Beetroot Salad"]], { maxOrder: 2 });
hpo.rougeL("Quick Beet Salad", ["Fast Beetroot Salad"]);
hpo.wordTokenize("Quick Beet Salad. Serve.");
hpo.porterStem("salads");
report.afterBleuRouge = { loaded: hpo.isWordNetLoaded(), touched: touched.length };
hpo.meteor("Lemon Tart", ["Lemon Tart"]); // every word matches exactly: no synonym lookup needed
report.afterExactMeteor = { loaded: hpo.isWordNetLoaded(), touched: touched.length };
const score = hpo.meteor("Quick Beet Salad", ["Fast Beetroot Salad"]);
report.afterMeteor = { loaded: hpo.isWordNetLoaded(), touched: touched.length, score };
console.log(JSON.stringify(report));
`;

describe("lazy WordNet", () => {
  it("nothing of WordNet is read at import; METEOR loads it on first use", () => {
    const dir = mkdtempSync(join(tmpdir(), "hpo-lazy-"));
    try {
      const script = join(dir, "probe.mjs");
      writeFileSync(script, PROBE);
      const run = spawnSync(process.execPath, ["--import", "tsx", script], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
      expect(run.status, run.stderr).toBe(0);
      const report = JSON.parse(run.stdout.trim().split("\n").pop() as string);
      expect(report.afterImport).toEqual({ loaded: false, touched: 0 });
      expect(report.afterBleuRouge).toEqual({ loaded: false, touched: 0 });
      expect(report.afterExactMeteor).toEqual({ loaded: false, touched: 0 });
      expect(report.afterMeteor.loaded).toBe(true);
      expect(report.afterMeteor.touched).toBeGreaterThan(0);
      expect(report.afterMeteor.score).toBeCloseTo(0.9814814814814815, 12);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
