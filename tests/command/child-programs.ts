// Real child programs for the command objective's tests: node and bash scripts written
// into a temporary folder, each doing what a training script does (print, report, sleep,
// crash, fork, ignore SIGTERM) so the tests exercise real processes and pipes.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A node program driven by the SCRIPT variable: a JSON list of steps run in order.
 *   {"out": "text"}            a stdout line          {"err": "text"}      a stderr line
 *   {"report": [step, value]}  hpo:report             {"result": value}    hpo:result
 *   {"metrics": [step, {name: value}]}  hpo:report with named metrics
 *   {"sleep": ms}              {"exit": code}         {"signal": "SIGKILL"}  (kills itself)
 *   {"spew": bytes, "lineLength": n}   that much stdout in lines of n characters (0: one line)
 *   {"spewErr": bytes}         that much stderr
 *   {"fork": true}             a grandchild (node, sleeping 60 s) in the same group
 *   {"escape": true}           a grandchild that leaves the group (setsid) holding the pipes;
 *                              its pid goes to $HPO_TRIAL_DIR/escaped
 * With IGNORE_SIGTERM=1 it survives SIGTERM; otherwise SIGTERM writes "terminated" to
 * $HPO_TRIAL_DIR/signals and exits 143. It writes its pid (and the grandchild's) to
 * $HPO_TRIAL_DIR/pids, what it saw (argv, env, start time) to $HPO_TRIAL_DIR/seen.json and
 * its exit time to $HPO_TRIAL_DIR/ended.
 */
const SCRIPTED_TRAINER = String.raw`
import { appendFileSync, writeFileSync } from "node:fs";
import { spawn } from "node:child_process";
const dir = process.env.HPO_TRIAL_DIR;
appendFileSync(dir + "/pids", process.pid + "\n");
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("HPO_") || k === "CUDA_VISIBLE_DEVICES" || k === "PYTHONUNBUFFERED" || k.startsWith("EXTRA_")));
writeFileSync(dir + "/seen.json", JSON.stringify({ argv: process.argv.slice(2), env, cwd: process.cwd(), startedAt: Date.now() }));
process.on("exit", () => writeFileSync(dir + "/ended", String(Date.now())));
process.on("SIGTERM", () => {
  appendFileSync(dir + "/signals", "terminated\n");
  if (process.env.IGNORE_SIGTERM !== "1") process.exit(143);
});
const write = (stream, text) => new Promise((resolve) => stream.write(text, resolve));
const steps = JSON.parse(process.env.SCRIPT ?? "[]");
for (const step of steps) {
  if ("out" in step) await write(process.stdout, step.out + "\n");
  else if ("err" in step) await write(process.stderr, step.err + "\n");
  else if ("report" in step) await write(process.stdout, "hpo:report " + JSON.stringify({ step: step.report[0], value: step.report[1] }) + "\n");
  else if ("metrics" in step) await write(process.stdout, "hpo:report " + JSON.stringify({ step: step.metrics[0], metrics: step.metrics[1] }) + "\n");
  else if ("result" in step) await write(process.stdout, "hpo:result " + JSON.stringify({ value: step.result }) + "\n");
  else if ("sleep" in step) await new Promise((r) => setTimeout(r, step.sleep));
  else if ("exit" in step) process.exit(step.exit);
  else if ("signal" in step) process.kill(process.pid, step.signal);
  else if ("spew" in step || "spewErr" in step) {
    const stream = "spew" in step ? process.stdout : process.stderr;
    const total = step.spew ?? step.spewErr;
    const lineLength = step.lineLength ?? 100;
    const block = lineLength === 0 ? "x".repeat(65536) : ("y".repeat(lineLength - 1) + "\n").repeat(Math.max(1, Math.floor(65536 / lineLength)));
    for (let sent = 0; sent < total; sent += block.length) await write(stream, block);
    if (lineLength === 0) await write(stream, "\n");
  } else if ("escape" in step) {
    // A grandchild in a session of its own that keeps our stdout and stderr open.
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { detached: true, stdio: ["ignore", "inherit", "inherit"] });
    child.unref();
    appendFileSync(dir + "/escaped", child.pid + "\n");
  } else if ("fork" in step) {
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
    appendFileSync(dir + "/pids", child.pid + "\n");
  }
}
`;

/**
 * A bash training script: reads its params from HPO_PARAM_* and its arguments, starts a
 * background sleep (a grandchild in its group, as data loaders are), reports once per
 * epoch and prints the result.
 */
const BASH_TRAINER = String.raw`#!/usr/bin/env bash
set -euo pipefail
sleep 60 &
echo "$$" >> "$HPO_TRIAL_DIR/pids"
echo "$!" >> "$HPO_TRIAL_DIR/pids"
echo "training with lr=$HPO_PARAM_LR epochs=$1"
for epoch in $(seq 1 "$1"); do
  sleep 0.02
  echo "hpo:report {\"step\": $epoch, \"value\": $2}"
done
echo "hpo:result {\"value\": $2}"
`;

/** A temporary folder holding the test programs, removed by `cleanup()`. */
export interface ChildPrograms {
  readonly dir: string;
  /** argv that runs the scripted node trainer (steps come from the SCRIPT variable). */
  readonly scriptedTrainer: readonly string[];
  /** argv prefix that runs the bash trainer: append `<epochs> <value>`. */
  readonly bashTrainer: readonly string[];
  cleanup(): void;
}

/** Writes the programs into a new temporary folder. */
export function writeChildPrograms(): ChildPrograms {
  const dir = mkdtempSync(join(tmpdir(), "hpo-command-test-"));
  const trainer = join(dir, "scripted-trainer.mjs");
  writeFileSync(trainer, SCRIPTED_TRAINER);
  const bash = join(dir, "bash-trainer.sh");
  writeFileSync(bash, BASH_TRAINER);
  chmodSync(bash, 0o755);
  return {
    dir,
    scriptedTrainer: [process.execPath, trainer],
    bashTrainer: [bash],
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The SCRIPT variable for the scripted trainer. */
export function script(...steps: readonly Record<string, unknown>[]): Record<string, string> {
  return { SCRIPT: JSON.stringify(steps) };
}

/** Pids a trial's program wrote to `<trialDir>/pids`. */
export function pidsIn(trialDir: string): number[] {
  const file = join(trialDir, "pids");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").split("\n").filter(Boolean).map(Number);
}

/** Whether a process is alive; a zombie (exited, not yet reaped by init) counts as dead. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** Waits until `predicate` holds or `ms` pass; returns whether it held. */
export async function waitFor(predicate: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (predicate()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return predicate();
}
