/**
 * Where the benchmarks find Optuna to run beside hpo, and a JSON-lines channel to a Python
 * driver in scripts/bench/. Optuna 3.1 is Debian's python3-optuna (seen by /usr/bin/python3,
 * not by a pyenv or venv python); Optuna 4.9 is its public source on PYTHONPATH, which
 * runs with Debian's numpy and SQLAlchemy. hpo ships neither: the path comes from
 * `--optuna-src` or HPO_OPTUNA_SRC.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** The Python interpreter that sees Debian's packages: HPO_PYTHON, else /usr/bin/python3. */
export function pythonPath(): string {
  if (process.env.HPO_PYTHON) return process.env.HPO_PYTHON;
  return existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
}

/** A script of scripts/bench/. */
export function benchScript(name: string): string {
  return fileURLToPath(new URL(`../scripts/bench/${name}`, import.meta.url));
}

/** How to make Optuna 4.9 available, for messages. */
export const OPTUNA_49_HOWTO =
  "pass --optuna-src DIR or set HPO_OPTUNA_SRC=DIR, where DIR holds Optuna 4.9's source (tag v4.9.0 of https://github.com/optuna/optuna, e.g. `git clone --depth 1 --branch v4.9.0 https://github.com/optuna/optuna DIR`; it runs with Debian's python3-numpy and python3-sqlalchemy)";

/** How to make Optuna 3.1 available, for messages. */
export const OPTUNA_31_HOWTO = "apt-get install -y python3-optuna python3-psycopg2 (Debian's Optuna 3.1, run with /usr/bin/python3)";

/** postgres://… as SQLAlchemy + psycopg2 want it, unencrypted like node-postgres's connections. */
export function sqlalchemyUrl(url: string): string {
  const u = new URL(url);
  u.protocol = "postgresql+psycopg2:";
  u.searchParams.set("sslmode", "disable");
  u.searchParams.set("gssencmode", "disable");
  return u.toString();
}

/** One Optuna a benchmark can run: its label and the environment that imports it. */
export interface OptunaPeer {
  /** "3.1" or "4.9". */
  readonly label: string;
  readonly env: NodeJS.ProcessEnv;
}

/**
 * The environment for each Optuna version asked for; a version that cannot be found gets
 * a `missing` line saying how to get it instead.
 */
export function optunaPeers(versions: readonly string[], optunaSrc: string | undefined): { peers: OptunaPeer[]; missing: string[] } {
  const peers: OptunaPeer[] = [];
  const missing: string[] = [];
  // One BLAS thread: process CPU time then counts work, not threads spinning while they wait.
  const base: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1", PYTHONDONTWRITEBYTECODE: "1" };
  for (const v of versions) {
    if (v === "3.1") {
      // Debian's dist-packages only; a PYTHONPATH from the caller would shadow it.
      const { PYTHONPATH: _drop, ...env } = base;
      peers.push({ label: "3.1", env });
    } else if (v === "4.9") {
      const src = optunaSrc ?? process.env.HPO_OPTUNA_SRC;
      if (!src) missing.push(`Optuna 4.9 skipped: ${OPTUNA_49_HOWTO}`);
      else if (!existsSync(`${src}/optuna/__init__.py`)) missing.push(`Optuna 4.9 skipped: ${src}/optuna/__init__.py not found; ${OPTUNA_49_HOWTO}`);
      else peers.push({ label: "4.9", env: { ...base, PYTHONPATH: src } });
    } else {
      throw new Error(`--optuna: unknown version "${v}", expected 3.1 and/or 4.9`);
    }
  }
  return { peers, missing };
}

/** A long-running Python driver answering one JSON line per request. */
export class JsonLinesPeer {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #replies: ((line: string) => void)[] = [];
  #stderr = "";
  #exited: Error | null = null;

  constructor(script: string, env: NodeJS.ProcessEnv, args: readonly string[] = []) {
    this.#child = spawn(pythonPath(), [script, ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
    this.#child.stderr.on("data", (d: Buffer) => {
      this.#stderr = (this.#stderr + d.toString()).slice(-4000);
    });
    createInterface({ input: this.#child.stdout }).on("line", (line) => this.#replies.shift()?.(line));
    this.#child.on("exit", (code, signal) => {
      this.#exited = new Error(`${script} exited (${signal ?? code}): ${this.#stderr.trim().split("\n").slice(-3).join(" | ") || "no message"}`);
      for (const r of this.#replies.splice(0)) r("");
    });
  }

  /** Sends one request and waits for its reply. */
  async request<T>(message: object): Promise<T> {
    if (this.#exited) throw this.#exited;
    const line = await new Promise<string>((resolve) => {
      this.#replies.push(resolve);
      this.#child.stdin.write(`${JSON.stringify(message)}\n`);
    });
    if (this.#exited && line === "") throw this.#exited;
    const reply = JSON.parse(line) as T & { error?: string };
    if (reply.error) throw new Error(reply.error);
    return reply;
  }

  /** The process id, to read its CPU time. */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Ends the driver (closing stdin ends its loop). */
  async close(): Promise<void> {
    if (this.#exited) return;
    const done = new Promise<void>((resolve) => this.#child.once("exit", () => resolve()));
    this.#child.stdin.end();
    await done;
  }
}
