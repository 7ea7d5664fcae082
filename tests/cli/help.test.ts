import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RUN_COMMAND_FLAGS } from "../../src/cli/commands/run-command.ts";
import { freshPgliteFolder } from "../support/backends.ts";
import { runHpo, startHpo } from "../support/run-hpo.ts";
import { studyFiles } from "../support/study-files.ts";

const files = studyFiles("help");
afterAll(() => files.cleanup());

const COMMANDS = ["run", "worker", "resume", "studies", "trials", "best", "export", "delete", "serve", "score-captions"];

/** The flags a help text lists, each with the text that describes it. */
function describedFlags(help: string): Map<string, string> {
  const flags = new Map<string, string>();
  const lines = help.split("\n");
  lines.forEach((line, i) => {
    const m = /^\s+(?:-\w, )?--([\w-]+)(?: \S+)?(?:\s{2,}(.*))?$/.exec(line);
    if (m) flags.set(m[1], (m[2] ?? lines[i + 1] ?? "").trim());
  });
  return flags;
}

describe("hpo help", { timeout: 240_000 }, () => {
  it("describes every flag of every command, and hpo help <command> is <command> --help", async () => {
    for (const command of COMMANDS) {
      const r = await runHpo([command, "--help"]);
      expect(r.code, `${command}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: hpo ${command}\\b`));
      const flags = describedFlags(r.stdout);
      expect(flags.size, `${command}:\n${r.stdout}`).toBeGreaterThan(1);
      for (const [flag, text] of flags) expect(text.length, `${command} --${flag}`).toBeGreaterThan(5);
      for (const line of r.stdout.split("\n")) expect(line.length, line).toBeLessThan(80);
    }
    const run = await runHpo(["run", "--help"]);
    expect([...describedFlags(run.stdout).keys()].sort()).toEqual([...Object.keys(RUN_COMMAND_FLAGS), "help"].sort());
    expect(run.stdout).toMatch(/--port PORT\s+port of the dashboard \(with --serve\) \(default: 8787\)/);
    const resume = await runHpo(["resume", "--help"]);
    expect([...describedFlags(resume.stdout).keys()].sort()).toEqual([...describedFlags(run.stdout).keys()].sort());
    expect((await runHpo(["help", "run"])).stdout).toBe(run.stdout);

    const captioner = await runHpo(["captioner", "--help"]);
    expect(captioner.code, captioner.stderr).toBe(0);
    expect(captioner.stdout).toMatch(/pretrain/);
    expect((await runHpo(["help", "captioner"])).stdout).toBe(captioner.stdout);
    const top = await runHpo(["help"]);
    expect(top.stdout).toMatch(/hpo help <command>/);
  });

  it("export infers the format from --output, best prints the best trial, --more-trials adds N, resume takes --serve", async () => {
    const file = files.write(
      "best",
      `import { RandomSampler, param } from "hpo";
export default defineStudy({
  name: "help-best", direction: "minimize", sampler: new RandomSampler({ seed: 2 }),
  space: { x: param.float(-3, 3) }, nTrials: 5,
  objective: (trial) => (trial.params.x as number) ** 2,
});`,
    );
    const storage = freshPgliteFolder();
    expect((await runHpo(["run", file, "--storage", storage, "--quiet"])).code).toBe(0);
    const json = join(files.dir, "trials.json");
    const exported = await runHpo(["export", "help-best", "--storage", storage, "--output", json]);
    expect(exported.code, exported.stderr).toBe(0);
    const parsed = JSON.parse(readFileSync(json, "utf8")) as { trials: { number: number; state: string; values: number[] | null }[] };
    expect(parsed.trials).toHaveLength(5);
    const csv = join(files.dir, "trials.csv");
    expect((await runHpo(["export", "help-best", "--storage", storage, "-o", csv])).code).toBe(0);
    expect(readFileSync(csv, "utf8")).toMatch(/^number,/);
    // --format still wins over the extension.
    expect((await runHpo(["export", "help-best", "--storage", storage, "-o", json, "--format", "csv"])).code).toBe(0);
    expect(readFileSync(json, "utf8")).toMatch(/^number,/);

    const best = await runHpo(["best", "help-best", "--storage", storage, "--json"]);
    expect(best.code, best.stderr).toBe(0);
    const b = JSON.parse(best.stdout) as { number: number; value: number; params: { x: number } };
    const values = parsed.trials.map((t) => t.values![0]);
    expect(b.value).toBe(Math.min(...values));
    expect(b.params.x ** 2).toBeCloseTo(b.value, 12);
    const text = await runHpo(["best", "help-best", "--storage", storage]);
    expect(text.stdout).toMatch(new RegExp(`^trial ${b.number}: value `));

    // "N more trials" is one flag with one meaning, on run and on resume.
    const more = await runHpo(["run", file, "--storage", storage, "--quiet", "--more-trials", "2"]);
    expect(more.code, more.stderr).toBe(0);
    expect(more.stderr).toMatch(/5 trial\(s\) already finished, budget 7 \(2 more\)/);
    const resumed = await runHpo(["resume", "help-best", file, "--storage", storage, "--quiet", "--more-trials", "1"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse((await runHpo(["trials", "help-best", "--storage", storage, "--json"])).stdout)).toHaveLength(8);
    const both = await runHpo(["run", file, "--storage", storage, "--n-trials", "9", "--more-trials", "1"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--n-trials .* and --more-trials .* give one/);

    // resume takes run's --serve: the budget is reached, the dashboard stays up until Ctrl-C.
    const { child, done } = startHpo(["resume", "help-best", file, "--storage", storage, "--serve", "--port", "0"]);
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    while (!/dashboard stays up at (http:\S+)/.test(stderr)) {
      if (child.exitCode !== null) throw new Error(stderr);
      await new Promise((r) => setTimeout(r, 100));
    }
    const url = /dashboard stays up at (http:\S+)/.exec(stderr)![1];
    expect((await fetch(`${url}api/studies/help-best`)).status).toBe(200);
    child.kill("SIGINT");
    expect((await done).code).toBe(0);
  });
});
