import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStudy, ThresholdPruner } from "hpo";
import { command } from "hpo/command";

const root = fileURLToPath(new URL("../../", import.meta.url));
const hasPython = spawnSync("python3", ["--version"]).status === 0;

let workDir: string;
beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), "hpo-command-examples-"));
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe("examples", () => {
  it("examples/command-study.ts runs through `hpo run`: trials complete or are pruned, logs kept", () => {
    const run = spawnSync(
      process.execPath,
      [join(root, "bin/hpo.js"), "run", join(root, "examples/command-study.ts"), "--storage", "memory", "--n-trials", "4", "--quiet"],
      { cwd: workDir, encoding: "utf8" },
    );
    expect(run.stderr).toMatch(/hpo: 4 trial\(s\): \d complete, \d pruned, 0 failed/);
    expect(run.status).toBe(0);
    const log = readFileSync(join(workDir, "hpo-trials/command-logistic/trial-0/output.log"), "utf8");
    expect(log).toMatch(/^epoch 1\/40: train loss \d\.\d+, validation loss \d\.\d+$/m);
  });

  // Needs a python3 on PATH (CI's machine has one); the helper itself is standard library only.
  it.skipIf(!hasPython)("examples/python/hpo_report.py speaks the protocol the parser reads (NaN included)", async () => {
    const study = await createStudy({ storage: "memory", direction: "maximize", pruner: new ThresholdPruner({ lower: 0 }) });
    const program = [
      "import hpo_report as hpo",
      "hpo.handle_sigterm()",
      "lr = hpo.param('lr')",
      "print(f'lr={lr} trial={hpo.trial_number()} study={hpo.study_name()} dir={hpo.trial_dir()}')",
      "hpo.report(0.25, 1)",
      "hpo.report(lr, 2)",
      "hpo.report(float('nan'), 3)",
      "hpo.result(0.75)",
    ].join("\n");
    const objective = command({ cmd: ["python3", "-c", program], cwd: join(root, "examples/python"), logDir: workDir });
    await study.optimize(
      (trial) => {
        trial.suggestFloat("lr", 0.5, 0.5);
        return objective(trial);
      },
      { nTrials: 1, catch: true },
    );
    const [trial] = await study.trials();
    // NaN leaves ThresholdPruner's bounds, so the third report prunes the trial.
    expect(trial.state).toBe("PRUNED");
    expect(trial.intermediateValues.get(1)).toBe(0.25);
    expect(trial.intermediateValues.get(2)).toBe(0.5);
    expect(Number.isNaN(trial.intermediateValues.get(3))).toBe(true);
    const log = readFileSync(trial.userAttrs.log_path as string, "utf8");
    expect(log).toContain(`lr=0.5 trial=0 study=${study.studyName} dir=${join(workDir, study.studyName, "trial-0")}`);
  });
  it.skipIf(!hasPython)("examples/python/hpo_report.py sends named metrics, NaN included, and a metrics result", async () => {
    const study = await createStudy({ storage: "memory", direction: "maximize", metric: "meteor" });
    const program = [
      "import hpo_report as hpo",
      "hpo.report({'val_loss': 2.5, 'meteor': 0.1}, 0)",
      "hpo.report({'val_loss': float('nan'), 'meteor': 0.2, 'bleu1': float('inf')}, 1)",
      "hpo.result({'meteor': 0.2, 'bleu1': 0.4})",
    ].join("\n");
    await study.optimize(command({ cmd: ["python3", "-c", program], cwd: join(root, "examples/python"), logDir: workDir }), { nTrials: 1 });
    const [trial] = await study.trials();
    expect(trial.state).toBe("COMPLETE");
    expect(trial.value).toBe(0.2);
    expect([...trial.metrics]).toEqual([
      [0, { val_loss: 2.5, meteor: 0.1 }],
      [1, { val_loss: Number.NaN, meteor: 0.2, bleu1: Infinity }],
    ]);
    expect(trial.systemAttrs.final_metrics).toEqual({ meteor: 0.2, bleu1: 0.4 });
    await study.close();
  });
});
