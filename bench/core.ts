/**
 * `npm run bench -- core [--seconds S] [--postgres URL]`: ask/tell throughput (trials/s) with
 * the random sampler and a trivial objective (1 float, 3 reports) on memory, a PGlite folder
 * and PostgreSQL, with 1 and 4 trials in flight in one process.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createStudy, openStorage, RandomSampler, type Storage } from "../src/index.ts";

export default async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { seconds: { type: "string", default: "5" }, postgres: { type: "string" } },
  });
  const seconds = Number(values.seconds);
  const pgUrl = values.postgres ?? process.env.HPO_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
  const folder = mkdtempSync(join(tmpdir(), "hpo-bench-core-"));
  const backends: [string, () => Promise<Storage>][] = [
    ["memory", () => openStorage("memory")],
    ["pglite (folder)", () => openStorage(join(folder, "db"))],
    ["postgresql", () => openStorage(pgUrl)],
  ];
  const rows: string[][] = [];
  for (const [label, open] of backends) {
    let storage: Storage;
    try {
      storage = await open();
    } catch (e) {
      rows.push([label, "-", "-", `skipped: ${(e as Error).message}`]);
      continue;
    }
    const cells = [label];
    for (const concurrency of [1, 4]) {
      const study = await createStudy({ storage, studyName: `bench-core-${Date.now()}-${concurrency}`, sampler: new RandomSampler({ seed: 1 }) });
      // Warm-up: JIT, prepared plans, connection pool.
      await study.optimize(objective, { nTrials: 20, concurrency });
      const start = performance.now();
      const result = await study.optimize(objective, { timeout: seconds, concurrency });
      const elapsed = (performance.now() - start) / 1000;
      cells.push((result.finished / elapsed).toFixed(1));
      await study.close();
    }
    rows.push(cells);
    await storage.close();
  }
  rmSync(folder, { recursive: true, force: true });
  console.log(`ask/tell throughput, random sampler, objective = 1 float + 3 reports, ${seconds} s per cell (trials/s)\n`);
  console.log(table(["storage", "1 in flight", "4 in flight"], rows));
}

function objective(trial: import("../src/index.ts").Trial): number {
  const x = trial.suggestFloat("x", -10, 10);
  for (let step = 0; step < 3; step++) trial.report(x * step, step);
  return x * x;
}

function table(header: string[], rows: string[][]): string {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => `| ${r.map((c, i) => (c ?? "").padEnd(w[i])).join(" | ")} |`;
  return [line(header), `|${w.map((x) => "-".repeat(x + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}
