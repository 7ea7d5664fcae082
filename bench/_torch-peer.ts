/**
 * Runs the PyTorch side of a benchmark in a child process (Debian python3-torch on one
 * thread; scripts/captioner/torch_captioner_step.py) and reads its JSON line. The python
 * is HPO_TORCH_PYTHON, else /usr/bin/python3, else python3 — whichever imports torch.
 */
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export const SCRIPTS = fileURLToPath(new URL("../scripts/captioner/", import.meta.url));

/** What the PyTorch step script prints. */
export interface TorchStep {
  readonly parameters: number;
  readonly medianMsPerStep: number;
  readonly medianCpuMsPerStep: number;
  readonly p10: number;
  readonly p90: number;
  readonly lossFirst: number;
  readonly lossLast: number;
  readonly blas: string | null;
  readonly torch: string;
}

/** A python3 with torch, or null with the reason. */
export function torchPython(): { python: string } | { reason: string } {
  const candidates = [process.env.HPO_TORCH_PYTHON, "/usr/bin/python3", "python3"].filter((c): c is string => Boolean(c));
  for (const python of candidates) {
    if (spawnSync(python, ["-c", "import torch, numpy, PIL"], { timeout: 120_000 }).status === 0) return { python };
  }
  return { reason: `no python3 with torch, numpy and Pillow (tried ${candidates.join(", ")}; Debian: apt-get install python3-torch python3-pil libopenblas0-pthread)` };
}

/** One-thread environment (OpenBLAS as the shared reference script documents). */
export function oneThreadEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    OMP_NUM_THREADS: "1",
    OPENBLAS_NUM_THREADS: "1",
    OMP_WAIT_POLICY: "PASSIVE",
    LD_LIBRARY_PATH: ["/usr/lib/x86_64-linux-gnu/openblas-pthread", process.env.LD_LIBRARY_PATH].filter(Boolean).join(":"),
  };
}

/** Runs `python script args` and parses the last stdout line as JSON. */
export function runPython<T>(python: string, script: string, args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const proc = spawn(python, [`${SCRIPTS}${script}`, ...args], { env: oneThreadEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    proc.stdout.on("data", (d: Buffer) => (out += d.toString()));
    proc.stderr.on("data", (d: Buffer) => (err += d.toString()));
    proc.on("error", reject);
    proc.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`${script} exited with ${code}: ${err.trim().split("\n").slice(-3).join(" | ")}`));
      try {
        resolve(JSON.parse(out.trim().split("\n").pop() ?? "") as T);
      } catch {
        reject(new Error(`${script} printed no JSON result`));
      }
    });
  });
}
