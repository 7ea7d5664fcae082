import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The hpo executable of this checkout. */
export const HPO_BIN = fileURLToPath(new URL("../../bin/hpo.js", import.meta.url));

/** What a finished hpo process printed. */
export interface HpoResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `hpo <args>` and returns the child plus a promise of its result. */
export function startHpo(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): { child: ChildProcess; done: Promise<HpoResult> } {
  const child = spawn(process.execPath, [HPO_BIN, ...args], {
    cwd: options.cwd,
    env: { ...process.env, HPO_STORAGE: undefined, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  const done = new Promise<HpoResult>((resolve) => {
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

/** Runs `hpo <args>` to completion. */
export function runHpo(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<HpoResult> {
  return startHpo(args, options).done;
}
