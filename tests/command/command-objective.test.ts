import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStudy, ThresholdPruner, type FrozenTrial, type Pruner, type ReportEvent } from "hpo";
import { command, liveProcessGroupCount, type CommandObjective } from "hpo/command";
import { isProcessAlive, pidsIn, script, waitFor, writeChildPrograms, type ChildPrograms } from "./child-programs.ts";

let programs: ChildPrograms;
let logDir: string;
beforeAll(() => {
  programs = writeChildPrograms();
  logDir = mkdtempSync(join(tmpdir(), "hpo-command-logs-"));
});
afterAll(() => {
  programs.cleanup();
  rmSync(logDir, { recursive: true, force: true });
});

interface StudyRun {
  readonly trials: FrozenTrial[];
  readonly reports: ReportEvent[];
  readonly ms: number;
}

/** Runs a real in-memory study over `objective`, fixing `params` through the trial's own suggest. */
async function runStudy(
  objective: CommandObjective,
  options: {
    nTrials?: number;
    concurrency?: number;
    pruner?: Pruner;
    params?: Record<string, string | number | boolean>;
    studyName?: string;
  } = {},
): Promise<StudyRun> {
  const study = await createStudy({ storage: "memory", direction: "minimize", pruner: options.pruner, studyName: options.studyName });
  const reports: ReportEvent[] = [];
  const started = Date.now();
  await study.optimize(
    async (trial) => {
      for (const [name, value] of Object.entries(options.params ?? {})) trial.suggestCategorical(name, [value]);
      return objective(trial);
    },
    {
      nTrials: options.nTrials ?? 1,
      concurrency: options.concurrency ?? 1,
      catch: true,
      trackers: [{ name: "reports", onReport: (event) => void reports.push(event) }],
    },
  );
  return { trials: await study.trials(), reports, ms: Date.now() - started };
}

/** Well before the programs' own end (they sleep 60 s), even on a loaded machine. */
const PROMPTLY_MS = 10_000;

const trialDirOf = (trial: FrozenTrial) => dirname(trial.userAttrs.log_path as string);
const logOf = (trial: FrozenTrial) => readFileSync(trial.userAttrs.log_path as string, "utf8");
const failReason = (trial: FrozenTrial) => String(trial.systemAttrs.fail_reason);

describe("command objective with named metrics", () => {
  it("records every metric of hpo:report {step, metrics}, prunes on the watched one, and takes the value from the last report", async () => {
    const study = await createStudy({ storage: "memory", direction: "maximize", metric: "meteor", pruner: new ThresholdPruner({ lower: 0.1 }) });
    const reports: ReportEvent[] = [];
    const curves = [
      // Trial 0 completes without hpo:result: its last report's METEOR is the value.
      [{ val_loss: 2.5, meteor: 0.15 }, { val_loss: 2.1, meteor: 0.2, bleu1: "NaN" }, { val_loss: 1.9, meteor: 0.25 }],
      // Trial 1's METEOR falls below 0.1 at step 1: pruned there, its program stopped.
      [{ val_loss: 2.5, meteor: 0.12 }, { val_loss: 3.5, meteor: 0.05 }, { val_loss: 3.9, meteor: 0.04 }],
    ];
    await study.optimize(
      (trial) =>
        command({
          cmd: programs.scriptedTrainer,
          logDir,
          // Trial 1 would sleep a minute after its reports: pruning stops it.
          env: script(...curves[trial.number].map((m, step) => ({ metrics: [step, m] })), ...(trial.number === 1 ? [{ sleep: 60_000 }] : [])),
        })(trial),
      { nTrials: 2, trackers: [{ name: "reports", onReport: (e) => void reports.push(e) }] },
    );
    const [done, pruned] = await study.trials();
    expect(done.state).toBe("COMPLETE");
    expect(done.value).toBe(0.25);
    expect([...done.metrics]).toEqual([
      [0, { val_loss: 2.5, meteor: 0.15 }],
      [1, { val_loss: 2.1, meteor: 0.2, bleu1: Number.NaN }],
      [2, { val_loss: 1.9, meteor: 0.25 }],
    ]);
    expect(pruned.state).toBe("PRUNED");
    expect([...pruned.intermediateValues]).toEqual([
      [0, 0.12],
      [1, 0.05],
    ]);
    expect(pruned.metrics.get(1)).toEqual({ val_loss: 3.5, meteor: 0.05 });
    expect(reports.filter((r) => r.trialNumber === 1).map((r) => r.value)).toEqual([0.12, 0.05]);
    await study.close();
  });
});

describe("command objective through a real study", () => {
  it("passes reports to the trial in order and returns hpo:result; other output goes to the log", async () => {
    const objective = command({
      cmd: programs.scriptedTrainer,
      logDir,
      env: script(
        { out: "loading data" },
        { report: [0, 0.9] },
        { report: [2, 0.5] },
        { err: "a warning on stderr" },
        { report: [1, 0.7] },
        { out: "saving checkpoint" },
        { report: [3, 0.4] },
        { result: 0.35 },
      ),
    });
    const { trials, reports } = await runStudy(objective);
    const [trial] = trials;
    expect(trial.state).toBe("COMPLETE");
    expect(trial.value).toBe(0.35);
    expect(reports.map((r) => [r.step, r.value])).toEqual([
      [0, 0.9],
      [2, 0.5],
      [1, 0.7],
      [3, 0.4],
    ]);
    expect([...trial.intermediateValues].sort((a, b) => a[0] - b[0])).toEqual([
      [0, 0.9],
      [1, 0.7],
      [2, 0.5],
      [3, 0.4],
    ]);
    expect(trial.userAttrs.log_path).toBe(join(logDir, trialDirOf(trial).split("/").at(-2)!, "trial-0", "output.log"));
    const log = logOf(trial).split("\n");
    expect(log).toEqual(expect.arrayContaining(["loading data", "a warning on stderr", "saving checkpoint"]));
    expect(log.some((line) => line.startsWith("hpo:"))).toBe(false);
    expect(liveProcessGroupCount()).toBe(0);
  });

  it("returns the last report when the program prints no hpo:result, and fails when it printed neither", async () => {
    const lastReport = await runStudy(command({ cmd: programs.scriptedTrainer, logDir, env: script({ report: [1, 3] }, { report: [2, 2.5] }) }));
    expect(lastReport.trials[0].state).toBe("COMPLETE");
    expect(lastReport.trials[0].value).toBe(2.5);

    const silent = await runStudy(command({ cmd: programs.scriptedTrainer, logDir, env: script({ out: "done" }) }));
    expect(silent.trials[0].state).toBe("FAIL");
    expect(failReason(silent.trials[0])).toMatch(/exited 0 without printing "hpo:result/);
  });

  it("prunes: SIGTERM to the whole process group, the trial ends PRUNED", async () => {
    const objective = command({
      cmd: programs.scriptedTrainer,
      logDir,
      gracePeriod: 30_000,
      env: script(
        { fork: true },
        { report: [1, 0.5] },
        { report: [2, 0.8] },
        { report: [3, 1.5] }, // diverging: the pruner stops it here
        { sleep: 60_000 },
        { report: [4, 9] },
        { result: 9 },
      ),
    });
    const { trials, ms } = await runStudy(objective, { pruner: new ThresholdPruner({ upper: 1 }) });
    const [trial] = trials;
    expect(trial.state).toBe("PRUNED");
    expect(trial.value).toBe(1.5);
    expect(trial.intermediateValues.has(4)).toBe(false);
    expect(ms).toBeLessThan(PROMPTLY_MS); // not the program's 60 s, nor the 30 s grace period
    expect(readFileSync(join(trialDirOf(trial), "signals"), "utf8")).toBe("terminated\n");
    const pids = pidsIn(trialDirOf(trial));
    expect(pids).toHaveLength(2); // the program and its grandchild
    expect(pids.filter(isProcessAlive)).toEqual([]);
  });

  it("stops the program at once when the study interrupts its trial (trial.signal)", async () => {
    const objective = command({
      cmd: programs.scriptedTrainer,
      logDir,
      gracePeriod: 30_000,
      env: script({ fork: true }, { report: [1, 0.5] }, { sleep: 60_000 }, { result: 1 }),
    });
    const study = await createStudy({ storage: "memory", direction: "minimize" });
    const controller = new AbortController();
    const started = Date.now();
    const running = study.optimize(
      async (trial) => {
        // Interrupt while the program sleeps (60 s).
        setTimeout(() => controller.abort(), 500);
        return objective(trial);
      },
      { nTrials: 1, catch: true, signal: controller.signal },
    );
    const result = await running;
    expect(result.reason).toBe("interrupted");
    const [trial] = await study.trials();
    expect(trial.state).toBe("FAIL");
    expect(failReason(trial)).toBe("interrupted");
    // The program and its grandchild are gone well before their 60 s sleep ends.
    const dir = trialDirOf(trial);
    expect(await waitFor(() => pidsIn(dir).length === 2 && pidsIn(dir).every((pid) => !isProcessAlive(pid)), PROMPTLY_MS)).toBe(true);
    expect(Date.now() - started).toBeLessThan(PROMPTLY_MS + 1000);
    expect(readFileSync(join(dir, "signals"), "utf8")).toBe("terminated\n");
  });

  it("prunes a program that ignores SIGTERM with SIGKILL after the grace period", async () => {
    const objective = command({
      cmd: programs.scriptedTrainer,
      logDir,
      gracePeriod: 400,
      env: { IGNORE_SIGTERM: "1", ...script({ fork: true }, { report: [1, 5] }, { sleep: 60_000 }) },
    });
    const { trials, ms } = await runStudy(objective, { pruner: new ThresholdPruner({ upper: 1 }) });
    expect(trials[0].state).toBe("PRUNED");
    expect(ms).toBeGreaterThanOrEqual(400);
    expect(ms).toBeLessThan(PROMPTLY_MS);
    expect(readFileSync(join(trialDirOf(trials[0]), "signals"), "utf8")).toBe("terminated\n"); // it saw SIGTERM first
    expect(pidsIn(trialDirOf(trials[0])).filter(isProcessAlive)).toEqual([]);
  });

  it("fails a trial that runs past its timeout, saying so, and stops its program", async () => {
    const objective = command({
      cmd: programs.scriptedTrainer,
      logDir,
      timeout: 1500,
      gracePeriod: 500,
      env: script({ fork: true }, { report: [1, 0.5] }, { err: "epoch 2 starting" }, { sleep: 60_000 }, { result: 0.1 }),
    });
    const { trials, ms } = await runStudy(objective);
    expect(trials[0].state).toBe("FAIL");
    expect(failReason(trials[0])).toMatch(/^(Error: )?command timed out after 1500 ms and was stopped: .*scripted-trainer\.mjs/);
    expect(failReason(trials[0])).toContain("epoch 2 starting");
    expect(ms).toBeLessThan(PROMPTLY_MS);
    expect(pidsIn(trialDirOf(trials[0])).filter(isProcessAlive)).toEqual([]);
  });

  it("fails a crashed program with its exit code and the last lines of stderr", async () => {
    const stderrLines = Array.from({ length: 50 }, (_, i) => ({ err: `traceback line ${i + 1}` }));
    const objective = command({
      cmd: programs.scriptedTrainer,
      logDir,
      stderrTailLines: 20,
      env: script({ report: [1, 0.5] }, ...stderrLines, { exit: 3 }),
    });
    const { trials } = await runStudy(objective);
    const reason = failReason(trials[0]);
    expect(trials[0].state).toBe("FAIL");
    expect(reason).toMatch(/^(Error: )?command exited with code 3: /);
    expect(reason).toContain("--- last 20 lines of stderr ---\ntraceback line 31\n");
    expect(reason).toContain("traceback line 50");
    expect(reason).not.toContain("traceback line 30\n");
    expect(logOf(trials[0])).toContain("traceback line 1\n"); // the log keeps everything
  });

  it("fails a program killed by a signal hpo did not send (say, the OOM killer)", async () => {
    const objective = command({
      cmd: programs.scriptedTrainer,
      logDir,
      env: script({ report: [1, 0.5] }, { err: "allocating 80 GiB" }, { signal: "SIGKILL" }),
    });
    const { trials } = await runStudy(objective);
    expect(trials[0].state).toBe("FAIL");
    expect(failReason(trials[0])).toMatch(/command was killed by SIGKILL: .*\n--- last 1 lines of stderr ---\nallocating 80 GiB/);
  });

  it("stops the program and fails the trial when asking the pruner fails", async () => {
    const brokenPruner: Pruner = {
      prune: () => {
        throw new Error("pruner broke");
      },
    };
    const objective = command({
      cmd: programs.scriptedTrainer,
      logDir,
      gracePeriod: 30_000,
      env: script({ fork: true }, { report: [1, 0.5] }, { sleep: 60_000 }, { result: 1 }),
    });
    const { trials, ms } = await runStudy(objective, { pruner: brokenPruner });
    expect(trials[0].state).toBe("FAIL");
    expect(failReason(trials[0])).toMatch(/pruner broke/);
    expect(ms).toBeLessThan(PROMPTLY_MS);
    expect(pidsIn(trialDirOf(trials[0])).filter(isProcessAlive)).toEqual([]);
  });

  it("does not hang when a grandchild escaped the group and holds the pipes open", async () => {
    const objective = command({
      cmd: programs.scriptedTrainer,
      logDir,
      env: script({ escape: true }, { report: [1, 0.5] }, { result: 0.25 }),
    });
    const { trials, ms } = await runStudy(objective);
    const escaped = Number(readFileSync(join(trialDirOf(trials[0]), "escaped"), "utf8"));
    process.kill(escaped, "SIGKILL"); // outside the group, hence outside hpo's reach: clean up here
    expect(trials[0].state).toBe("COMPLETE");
    expect(trials[0].value).toBe(0.25);
    expect(ms).toBeLessThan(PROMPTLY_MS);
  });

  it("fails a program that cannot start, naming it", async () => {
    const { trials } = await runStudy(command({ cmd: [join(programs.dir, "no-such-program")], logDir }));
    expect(trials[0].state).toBe("FAIL");
    expect(failReason(trials[0])).toMatch(/could not start ".*no-such-program": spawn .* ENOENT/);
  });

  it("streams huge output in bounded memory: long lines are cut, the stderr tail stays small", async () => {
    const objective = command({
      cmd: programs.scriptedTrainer,
      logDir,
      maxLineLength: 4096,
      env: script(
        { spew: 8 * 1024 * 1024, lineLength: 100 },
        { spew: 64 * 1024 * 1024, lineLength: 0 }, // one 64 MiB line
        { spewErr: 8 * 1024 * 1024, lineLength: 0 },
        { report: [1, 0.25] },
        { exit: 1 },
      ),
    });
    const baseline = process.memoryUsage();
    let peakHeap = 0;
    const sampler = setInterval(() => {
      peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed - baseline.heapUsed);
    }, 5);
    const { trials } = await runStudy(objective);
    clearInterval(sampler);
    expect(trials[0].state).toBe("FAIL");
    expect(trials[0].intermediateValues.get(1)).toBe(0.25); // the report after 80 MiB still arrived
    const reason = failReason(trials[0]);
    expect(reason.length).toBeLessThan(1000); // one stderr line, cut for the message
    // Holding the long line whole would cost ≥ 64 MiB, all of the output ≥ 80 MiB; the
    // margin below that is for garbage not yet collected (V8's young generation).
    expect(peakHeap).toBeLessThan(40 * 1024 * 1024);
    const logSize = statSync(trials[0].userAttrs.log_path as string).size;
    expect(logSize).toBeGreaterThan(8 * 1024 * 1024);
    expect(logSize).toBeLessThan(9 * 1024 * 1024);
    const log = logOf(trials[0]);
    expect(log).toContain(`${"x".repeat(4096)} [… ${64 * 1024 * 1024 - 4096} more characters dropped]\n`);
  });

  it("ignores malformed hpo: lines with one warning each and completes", async () => {
    const warnings: string[] = [];
    const objective = command({
      cmd: programs.scriptedTrainer,
      logDir,
      onWarning: (message) => void warnings.push(message),
      env: script(
        { report: [1, 0.5] },
        { out: "hpo:report {step: 2}" },
        { out: 'hpo:report {"step": 2.5, "value": 0.4}' },
        { out: 'hpo:result {"value": "best"}' },
        { out: 'hpo:reprot {"step": 2, "value": 0.4}' },
        { report: [2, 0.4] },
        { result: 0.4 },
      ),
    });
    const { trials } = await runStudy(objective);
    expect(trials[0].state).toBe("COMPLETE");
    expect(trials[0].value).toBe(0.4);
    expect([...trials[0].intermediateValues.keys()]).toEqual([1, 2]);
    expect(warnings).toHaveLength(4);
    expect(warnings[0]).toMatch(/^hpo command \(trial 0\): ignored stdout line 2 \(hpo:report needs a JSON object/);
    expect(warnings[1]).toMatch(/line 3 \(hpo:report: step: expected an integer step\)/);
    expect(warnings[2]).toMatch(/line 4 \(hpo:result: value: expected a number/);
    expect(warnings[3]).toMatch(/line 5 \(unknown keyword "hpo:reprot"/);
    expect(logOf(trials[0])).toContain('hpo:reprot {"step": 2, "value": 0.4}');
  });

  it("gives the program its params as arguments and variables, with trial number, study and folder", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "hpo-command-cwd-"));
    try {
      const objective = command({
        cmd: [...programs.scriptedTrainer, "--lr", "{lr}", "--freeze={freeze}", "--out", "{trial_dir}", "{{lr}}"],
        cwd,
        logDir,
        env: { EXTRA_FLAG: "on", ...script({ result: 1 }) },
      });
      const { trials } = await runStudy(objective, { params: { lr: 0.003, freeze: "encoder", "lora.r": 8 } });
      const trial = trials[0];
      expect(trial.state).toBe("COMPLETE");
      const trialDir = trialDirOf(trial);
      const seen = JSON.parse(readFileSync(join(trialDir, "seen.json"), "utf8")) as {
        argv: string[];
        env: Record<string, string>;
        cwd: string;
      };
      expect(seen.argv).toEqual(["--lr", "0.003", "--freeze=encoder", "--out", trialDir, "{lr}"]);
      expect(seen.cwd).toBe(cwd);
      expect(JSON.parse(seen.env.HPO_PARAMS)).toEqual({ lr: 0.003, freeze: "encoder", "lora.r": 8 });
      expect(seen.env).toMatchObject({
        HPO_PARAM_LR: "0.003",
        HPO_PARAM_FREEZE: "encoder",
        HPO_PARAM_LORA_R: "8",
        HPO_TRIAL_NUMBER: "0",
        HPO_TRIAL_DIR: trialDir,
        EXTRA_FLAG: "on",
        PYTHONUNBUFFERED: "1",
      });
      expect(trialDir).toBe(join(logDir, seen.env.HPO_STUDY_NAME, "trial-0"));
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it("runs a bash script and, after it exits, stops what it left running in its group", async () => {
    const objective = command({ cmd: [...programs.bashTrainer, "3", "0.125"], logDir, gracePeriod: 2000 });
    const { trials, ms } = await runStudy(objective, { params: { lr: 0.01 } });
    expect(trials[0].state).toBe("COMPLETE");
    expect(trials[0].value).toBe(0.125);
    expect([...trials[0].intermediateValues.keys()]).toEqual([1, 2, 3]);
    expect(logOf(trials[0])).toContain("training with lr=0.01 epochs=3");
    const pids = pidsIn(trialDirOf(trials[0]));
    expect(pids).toHaveLength(2); // bash and its background `sleep 60`
    expect(await waitFor(() => pids.every((pid) => !isProcessAlive(pid)), 1000)).toBe(true);
    expect(ms).toBeLessThan(PROMPTLY_MS);
  });

  it("refuses invalid options at once, naming the field", () => {
    expect(() => command({ cmd: [] })).toThrow(/^command\(\): invalid options: cmd: expected at least the program/);
    expect(() => command({ cmd: ["x"], timeout: -1 })).toThrow(/timeout:/);
    expect(() => command({ cmd: ["x"], gpus: "0,0" })).toThrow(/gpus: device 0 is listed twice/);
    expect(() => command({ cmd: ["x"], timout: 5 } as never)).toThrow(/timout/);
    expect(() => command({ cmd: ["x"], env: { A: 1 } } as never)).toThrow(/env\.A: expected every variable's value to be a string/);
  });

  it("keeps trial folders inside logDir whatever the study's name", async () => {
    const objective = command({ cmd: programs.scriptedTrainer, logDir, env: script({ result: 1 }) });
    const { trials } = await runStudy(objective, { studyName: "../escape/ me" });
    expect(trialDirOf(trials[0])).toBe(join(logDir, ".._escape__me", "trial-0"));
    expect(existsSync(join(logDir, "..", "escape"))).toBe(false);
  });
});
