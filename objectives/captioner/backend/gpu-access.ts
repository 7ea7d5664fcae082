/**
 * Whether tfjs-node-gpu would really compute on a GPU here. libtensorflow falls back to the
 * CPU without a word when no GPU is visible or its CUDA libraries do not load, so hpo looks
 * first and says which: the NVIDIA driver's GPU list, CUDA_VISIBLE_DEVICES, and the CUDA
 * runtime and cuDNN that tfjs-node-gpu 4.x's TensorFlow 2.9 loads (CUDA 11, cuDNN 8).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** The shared libraries TensorFlow 2.9's GPU build opens at start-up. */
export const TF_GPU_LIBRARIES = ["libcudart.so.11.0", "libcudnn.so.8"] as const;

/** Where to look; every part has a default that reads this machine. */
export interface GpuAccessProbe {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The driver's GPU folder (default /proc/driver/nvidia/gpus). */
  readonly driverGpusDir?: string;
  /** Folders searched for the libraries (default: LD_LIBRARY_PATH, then the dynamic linker's cache and usual folders). */
  readonly libraryDirs?: readonly string[];
}

/** The answer: a GPU is usable, or why the computation would land on the CPU. */
export type GpuAccess = { readonly usable: true; readonly gpus: number } | { readonly usable: false; readonly reason: string };

/**
 * Looks whether a GPU is usable by tfjs-node-gpu and, if not, says why in one phrase.
 *
 * @example
 * gpuAccess({ env: { CUDA_VISIBLE_DEVICES: "-1" } }) // { usable: false, reason: "CUDA_VISIBLE_DEVICES=-1 hides every GPU" }
 */
export function gpuAccess(probe: GpuAccessProbe = {}): GpuAccess {
  const env = probe.env ?? process.env;
  const visible = env.CUDA_VISIBLE_DEVICES;
  if (visible !== undefined && (visible.trim() === "" || visible.trim() === "-1")) {
    return { usable: false, reason: `CUDA_VISIBLE_DEVICES=${visible.trim() === "" ? '""' : "-1"} hides every GPU` };
  }
  const dir = probe.driverGpusDir ?? "/proc/driver/nvidia/gpus";
  let gpus = 0;
  try {
    gpus = existsSync(dir) ? readdirSync(dir).length : 0;
  } catch {
    gpus = 0;
  }
  if (gpus === 0) return { usable: false, reason: `no NVIDIA GPU (${dir} lists none)` };
  const dirs = probe.libraryDirs ?? defaultLibraryDirs(env);
  const missing = TF_GPU_LIBRARIES.filter((lib) => !dirs.some((d) => existsSync(join(d, lib))));
  if (missing.length > 0) return { usable: false, reason: `${missing.join(" and ")} not found (TensorFlow would run on the CPU)` };
  return { usable: true, gpus };
}

/** LD_LIBRARY_PATH, the folders of the dynamic linker's cache, and the usual CUDA folders. */
function defaultLibraryDirs(env: Readonly<Record<string, string | undefined>>): string[] {
  const dirs = (env.LD_LIBRARY_PATH ?? "").split(":").filter(Boolean);
  try {
    const cache = execFileSync("ldconfig", ["-p"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    for (const match of cache.matchAll(/=>\s*(\S+)\/[^/\s]+$/gm)) dirs.push(match[1]);
  } catch {
    // No ldconfig (or not on the PATH): the usual folders below still count.
  }
  dirs.push("/usr/local/cuda/lib64", "/usr/lib/x86_64-linux-gnu", "/usr/lib64");
  return [...new Set(dirs)];
}
