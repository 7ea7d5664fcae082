import { afterAll, describe, expect, it } from "vitest";
import { freshPgliteFolder } from "../support/backends.ts";
import { runHpo } from "../support/run-hpo.ts";
import { studyFiles } from "../support/study-files.ts";
import { playTerminal } from "../support/terminal-screen.ts";

const files = studyFiles("bar");
afterAll(() => files.cleanup());

// Trial 0 runs long enough for the bar to tick twice and prints a line of its own midway;
// trial 1 fails with a reason; the names are long so that the full bar cannot fit 80 columns.
const STUDY = `
import { RandomSampler, param } from "hpo";
export default defineStudy({
  name: "progress-bar-at-eighty-columns",
  direction: "minimize",
  sampler: new RandomSampler({ seed: 5 }),
  space: { x: param.float(-5, 5) },
  nTrials: 3,
  objective: async (trial) => {
    if (trial.number === 0) {
      const start = Date.now();
      await new Promise((r) => setTimeout(r, 1300));
      console.log("epoch 1 of trial 0: loss 0.5");
      // Waits on the clock (not asserted on): long enough for two ticks of the bar.
      while (Date.now() - start < 3300) await new Promise((r) => setTimeout(r, 100));
    }
    if (trial.number === 1) throw new Error("boom: the reason a user needs to see");
    return 1000.123456 + (trial.params.x as number) ** 2;
  },
});
`;

/** Elapsed time shown on a bar line ("| 0:02 eta" or " 0:02 eta"). */
function elapsedOf(line: string): string | null {
  return /(\d+:\d\d) eta/.exec(line)?.[1] ?? null;
}

describe("progress bar on a terminal 80 columns wide", { timeout: 240_000 }, () => {
  it("never wraps, shows the running trial, ticks, prints output and failure reasons above itself, and shows the study's best", async () => {
    const file = files.write("bar", STUDY);
    const storage = freshPgliteFolder();
    const run = await runHpo(["run", file, "--storage", storage], { tty: "", columns: 80 });
    expect(run.code, run.stdout).toBe(0);
    const screen = playTerminal(run.stdout, 80);
    // hpo's own long messages may wrap as any text does; the bar never.
    expect(screen.wrapped.filter((l) => /running|run \d/.test(l)), screen.lines.join("\n")).toEqual([]);
    const bars = screen.snapshots.filter((l) => / eta /.test(l));
    expect(bars.length).toBeGreaterThan(0);
    for (const b of bars) expect(b.length).toBeLessThan(80);
    // While trial 0 runs: "1 running", and the elapsed time moves on.
    const duringFirst = bars.filter((b) => /\b0\/3\b/.test(b) && /\b1 run/.test(b));
    expect(duringFirst.length, bars.join("\n")).toBeGreaterThan(0);
    expect(new Set(duringFirst.map(elapsedOf)).size, duringFirst.join("\n")).toBeGreaterThanOrEqual(2);
    // The objective's own line and the failure reason stand on lines of their own.
    expect(screen.lines).toContain("epoch 1 of trial 0: loss 0.5");
    expect(screen.lines).toContain("hpo: trial 1 failed: Error: boom: the reason a user needs to see");
    // The last bar sits on its own line and says what the summary says.
    const best = /hpo: best trial (\d+): value (\S+)/.exec(run.stdout);
    expect(best).not.toBeNull();
    const lastBar = screen.lines.filter((l) => / eta /.test(l)).at(-1)!;
    expect(lastBar).toMatch(/\b3\/3\b/);
    expect(lastBar).toContain(`best ${best![2]} (#${best![1]})`);

    // A resumed run starts from the study's best, and its bar agrees with its summary.
    const more = await runHpo(["run", file, "--storage", storage, "--n-trials", "4"], { tty: "", columns: 80 });
    expect(more.code, more.stdout).toBe(0);
    const moreScreen = playTerminal(more.stdout, 80);
    expect(moreScreen.wrapped.filter((l) => /running|run \d/.test(l))).toEqual([]);
    const summary = /hpo: best trial (\d+): value (\S+)/.exec(more.stdout)!;
    const firstBar = moreScreen.snapshots.find((l) => / eta /.test(l))!;
    expect(firstBar).toMatch(/\b3\/4\b/);
    expect(firstBar).toMatch(/best \S+ \(#\d+\)/);
    const finalBar = moreScreen.lines.filter((l) => / eta /.test(l)).at(-1)!;
    expect(finalBar).toContain(`best ${summary[2]} (#${summary[1]})`);
  });

  it("keeps the lines worker processes print (hpo run --workers 2) whole and off the bar", async () => {
    const file = files.write(
      "workers",
      `import { RandomSampler, param } from "hpo";
export default defineStudy({
  name: "progress-bar-workers",
  direction: "minimize",
  sampler: new RandomSampler({ seed: 6 }),
  space: { x: param.float(-5, 5) },
  nTrials: 4,
  objective: async (trial) => {
    process.stdout.write("worker output of trial " + trial.number + ": ");
    await new Promise((r) => setTimeout(r, 700));
    console.log("done");
    return (trial.params.x as number) ** 2;
  },
});
`,
    );
    const run = await runHpo(["run", file, "--storage", freshPgliteFolder(), "--workers", "2"], { tty: "", columns: 80 });
    expect(run.code, run.stdout).toBe(0);
    const screen = playTerminal(run.stdout, 80);
    expect(screen.wrapped.filter((l) => /running|run \d/.test(l))).toEqual([]);
    for (let n = 0; n < 4; n++) expect(screen.lines, run.stdout).toContain(`worker output of trial ${n}: done`);
    expect(screen.lines.filter((l) => / eta /.test(l)).at(-1)).toMatch(/\b4\/4\b/);
  });

  it("prints an objective's NaN failure once, above the bar", async () => {
    const file = files.write(
      "nan",
      `import { RandomSampler, param } from "hpo";
export default defineStudy({
  name: "progress-bar-nan",
  direction: "minimize",
  sampler: new RandomSampler({ seed: 7 }),
  space: { x: param.float(-5, 5) },
  nTrials: 2,
  objective: async (trial) => (trial.number === 0 ? Number.NaN : (trial.params.x as number) ** 2),
});
`,
    );
    const run = await runHpo(["run", file, "--storage", freshPgliteFolder()], { tty: "", columns: 80 });
    expect(run.code, run.stdout).toBe(0);
    const screen = playTerminal(run.stdout, 80);
    expect(screen.lines.filter((l) => l.includes("trial 0 failed")), screen.lines.join("\n")).toEqual(["hpo: trial 0 failed: the objective returned NaN"]);
    expect(screen.lines.filter((l) => / eta /.test(l)).at(-1)).toMatch(/\b2\/2\b.*1 failed/);
    // Worker processes leave it to the parent's bar.
    const pool = await runHpo(["run", file, "--storage", freshPgliteFolder(), "--workers", "2"], { tty: "", columns: 80 });
    expect(pool.code, pool.stdout).toBe(0);
    const poolScreen = playTerminal(pool.stdout, 80);
    expect(poolScreen.lines.filter((l) => l.includes("trial 0 failed")), poolScreen.lines.join("\n")).toEqual(["hpo: trial 0 failed: the objective returned NaN"]);
  });
});
