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

/** Options of {@link startHpo}. */
export interface HpoRunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Runs hpo on a pseudo-terminal (util-linux `script`) that is typed this input; what the
   * terminal shows (stdout and stderr together) comes back as stdout.
   */
  tty?: string;
  /** With `tty`: the terminal's width (and 24 rows), as a user's window would set it. */
  columns?: number;
}

/** Starts `hpo <args>` and returns the child plus a promise of its result. */
export function startHpo(args: string[], options: HpoRunOptions = {}): { child: ChildProcess; done: Promise<HpoResult> } {
  const argv = [process.execPath, HPO_BIN, ...args];
  const quote = (a: string) => `'${a.replace(/'/g, "'\\''")}'`;
  const child =
    options.tty === undefined
      ? spawn(argv[0], argv.slice(1), { cwd: options.cwd, env: { ...process.env, HPO_STORAGE: undefined, ...options.env }, stdio: ["ignore", "pipe", "pipe"] })
      : spawn("script", ["-qec", `${options.columns ? `stty cols ${options.columns} rows 24; exec ` : ""}${argv.map(quote).join(" ")}`, "/dev/null"], {
          cwd: options.cwd,
          env: { ...process.env, HPO_STORAGE: undefined, ...options.env },
          stdio: ["pipe", "pipe", "pipe"],
        });
  if (options.tty !== undefined) child.stdin!.end(options.tty);
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
export function runHpo(args: string[], options: HpoRunOptions = {}): Promise<HpoResult> {
  return startHpo(args, options).done;
}
