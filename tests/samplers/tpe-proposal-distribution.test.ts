/**
 * hpo's TPE proposes from the same distribution as Optuna 3.1.0's: for a fixed history, the
 * next trial's params drawn with seeds 0..N-1 by both (fixtures from
 * scripts/golden/tpe_proposal_fixtures.py) pass a two-sample Kolmogorov-Smirnov test per
 * param. The draws are deterministic under their seeds, so the statistic is too.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createStudy, floatDistribution, InMemoryStorage, intDistribution, TPESampler, type Distribution } from "hpo";

interface ProposalCase {
  space: Record<string, { type: "int" | "float"; low: number; high: number; log: boolean }>;
  history: { params: Record<string, number>; value: number }[];
  samples: Record<string, number>[];
}

/** The largest gap between the two empirical CDFs, evaluated at every observed value (ties included). */
function ksStatistic(a: number[], b: number[]): number {
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length || j < y.length) {
    const v = Math.min(i < x.length ? x[i] : Infinity, j < y.length ? y[j] : Infinity);
    while (i < x.length && x[i] <= v) i++;
    while (j < y.length && y[j] <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

function distributionOf(name: string, s: ProposalCase["space"][string]): Distribution {
  return s.type === "int" ? intDistribution(s.low, s.high, { log: s.log }, name) : floatDistribution(s.low, s.high, { log: s.log }, name);
}

describe("TPE proposals match Optuna 3.1.0's distribution", () => {
  for (const name of ["branin-40", "branin-90", "lora-60"]) {
    it(`${name}: every param passes a two-sample KS test at the 0.1% level`, async () => {
      const c = JSON.parse(readFileSync(new URL(`../fixtures/tpe/proposals-${name}.json`, import.meta.url), "utf8")) as ProposalCase;
      const space = Object.fromEntries(Object.entries(c.space).map(([p, s]) => [p, distributionOf(p, s)]));
      const storage = new InMemoryStorage();
      const base = await createStudy({ storage, studyName: name });
      for (const t of c.history) {
        const created = await storage.createTrial(base.studyId, {
          state: "RUNNING",
          params: Object.entries(space).map(([p, d]) => ({ name: p, distribution: d, internal: t.params[p] })),
        });
        await storage.updateTrial(created.trialId, { finish: { state: "COMPLETE", values: [t.value] } });
      }
      const ours: Record<string, number>[] = [];
      for (let seed = 0; seed < c.samples.length; seed++) {
        const study = await createStudy({ storage, studyName: name, loadIfExists: true, sampler: new TPESampler({ seed, replay: "optuna-3.1" }) });
        const trial = await study.ask();
        ours.push(Object.fromEntries(Object.entries(space).map(([p, d]) => [p, trial.suggest(p, d) as number])));
        await study.tell(trial, "FAIL");
      }
      const n = c.samples.length;
      const critical = 1.95 * Math.sqrt(2 / n); // α = 0.001
      for (const p of Object.keys(space)) {
        const d = ksStatistic(ours.map((s) => s[p]), c.samples.map((s) => s[p]));
        expect(d, `KS statistic of ${p}`).toBeLessThan(critical);
      }
    }, 60_000);
  }

  it("the KS check has power: a shifted proposal fails it", () => {
    const a = Array.from({ length: 2000 }, (_, i) => (i + 0.5) / 2000);
    expect(ksStatistic(a, a.map((v) => v + 0.08))).toBeGreaterThan(1.95 * Math.sqrt(2 / 2000));
    expect(ksStatistic(a, [...a].reverse())).toBe(0);
  });
});
