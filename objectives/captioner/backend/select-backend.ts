/**
 * Picks the TensorFlow.js backend at run time: tfjs-node-gpu when it is installed and a
 * GPU is visible, then tfjs-node, then WebAssembly, then plain JavaScript. HPO_TF_BACKEND
 * forces one and fails loudly when it cannot load. tfjs-node and tfjs-node-gpu are
 * optional: they download libtensorflow at install time, so they are never dependencies
 * of hpo and are only reached through a dynamic import.
 */
import { existsSync, readdirSync } from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { gpuAccess, type GpuAccessProbe } from "./gpu-access.ts";
import { installWasmKernels } from "./wasm-kernels/install-wasm-kernels.ts";

/** The backends the captioner knows, in the order they are tried. */
export const BACKEND_CHOICES = ["node-gpu", "node", "wasm", "cpu"] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** What was chosen, and why. */
export interface BackendSelection {
  /** Our name for it. */
  readonly choice: BackendChoice;
  /** The tfjs backend name now active ("tensorflow", "wasm", "cpu"). */
  readonly tfBackend: string;
  /** True when HPO_TF_BACKEND decided. */
  readonly forced: boolean;
  /** Whether the SIMD kernels for attention were installed (wasm only). */
  readonly simdKernels: boolean;
  /** Why earlier candidates were skipped (automatic selection only). */
  readonly skipped: readonly string[];
  /** Where the computation really runs: tfjs-node-gpu without a usable GPU runs on the CPU. */
  readonly device: "gpu" | "cpu";
}

/** Options of {@link selectBackend}. */
export interface SelectBackendOptions {
  /** Environment to read HPO_TF_BACKEND from (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where the choice is logged (default: console.error, so stdout stays for results). */
  readonly log?: (message: string) => void;
  /** Restrict automatic selection to these (benchmarks pick one backend at a time). */
  readonly candidates?: readonly BackendChoice[];
  /** Where to look for the GPU and CUDA libraries (default: this machine). */
  readonly gpuProbe?: Omit<GpuAccessProbe, "env">;
}

/** Thrown when HPO_TF_BACKEND names a backend that cannot be used. */
export class BackendUnavailableError extends Error {
  override readonly name = "BackendUnavailableError";
}

const NODE_PACKAGES: Record<"node-gpu" | "node", string> = {
  "node-gpu": "@tensorflow/tfjs-node-gpu",
  node: "@tensorflow/tfjs-node",
};

/** Whether the NVIDIA driver reports a GPU this process may use. */
export function gpuVisible(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  const visible = env.CUDA_VISIBLE_DEVICES;
  if (visible !== undefined && (visible.trim() === "" || visible.trim() === "-1")) return false;
  const dir = "/proc/driver/nvidia/gpus";
  try {
    return existsSync(dir) && readdirSync(dir).length > 0;
  } catch {
    return false;
  }
}

/** Parses HPO_TF_BACKEND: undefined when unset or "auto"; throws on an unknown name. */
export function parseBackendEnv(value: string | undefined): BackendChoice | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (v === "" || v === "auto") return undefined;
  const aliases: Record<string, BackendChoice> = { tensorflow: "node", "tfjs-node": "node", "tfjs-node-gpu": "node-gpu", gpu: "node-gpu" };
  const choice = (BACKEND_CHOICES as readonly string[]).includes(v) ? (v as BackendChoice) : aliases[v];
  if (!choice) {
    throw new BackendUnavailableError(`HPO_TF_BACKEND=${value} is not a backend; use one of ${BACKEND_CHOICES.join(", ")} (or auto)`);
  }
  return choice;
}

async function tryActivate(choice: BackendChoice): Promise<void> {
  if (choice === "node-gpu" || choice === "node") {
    // A variable specifier keeps bundlers and tsc from resolving a package that is
    // deliberately absent from package.json.
    const specifier = NODE_PACKAGES[choice];
    await import(specifier);
    if (!(await tf.setBackend("tensorflow"))) throw new Error(`${specifier} loaded but the "tensorflow" backend did not initialise`);
    return;
  }
  if (choice === "wasm") await import("@tensorflow/tfjs-backend-wasm");
  if (!(await tf.setBackend(choice))) throw new Error(`tf.setBackend("${choice}") failed`);
}

let active: BackendSelection | null = null;

/** The last selection made by {@link selectBackend} in this process, if any. */
export function activeBackendSelection(): BackendSelection | null {
  return active;
}

/**
 * Activates a backend (HPO_TF_BACKEND, or the best available) and logs the choice.
 *
 * @example
 * const { choice } = await selectBackend(); // "wasm" on a machine without tfjs-node
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendSelection> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((m: string) => console.error(m));
  const forced = parseBackendEnv(env.HPO_TF_BACKEND);
  const access = () => gpuAccess({ ...options.gpuProbe, env });
  if (forced) {
    try {
      await tryActivate(forced);
    } catch (e) {
      throw new BackendUnavailableError(`HPO_TF_BACKEND=${forced} cannot be used: ${(e as Error).message}`);
    }
    const simdKernels = forced === "wasm" && installWasmKernels();
    const gpu = forced === "node-gpu" ? access() : null;
    // Forced tfjs-node-gpu loads even where it cannot reach a GPU: say where it really runs.
    const onCpu = gpu !== null && !gpu.usable ? `, running on the CPU: ${gpu.reason}` : "";
    log(`[captioner] tfjs backend: ${forced} (forced by HPO_TF_BACKEND)${simdKernels ? ", SIMD attention kernels" : ""}${onCpu}`);
    return (active = { choice: forced, tfBackend: tf.getBackend(), forced: true, simdKernels, skipped: [], device: gpu?.usable ? "gpu" : "cpu" });
  }
  const skipped: string[] = [];
  for (const choice of options.candidates ?? BACKEND_CHOICES) {
    if (choice === "node-gpu") {
      const gpu = access();
      if (!gpu.usable) {
        skipped.push(`node-gpu: ${gpu.reason}`);
        continue;
      }
    }
    try {
      await tryActivate(choice);
    } catch (e) {
      skipped.push(`${choice}: ${firstLine((e as Error).message)}`);
      continue;
    }
    const simdKernels = choice === "wasm" && installWasmKernels();
    log(`[captioner] tfjs backend: ${choice}${simdKernels ? " (SIMD attention kernels)" : ""}${skipped.length ? `; skipped ${skipped.join("; ")}` : ""}`);
    return (active = { choice, tfBackend: tf.getBackend(), forced: false, simdKernels, skipped, device: choice === "node-gpu" ? "gpu" : "cpu" });
  }
  throw new BackendUnavailableError(`no tfjs backend could be loaded: ${skipped.join("; ")}`);
}

function firstLine(s: string): string {
  return s.split("\n", 1)[0];
}
