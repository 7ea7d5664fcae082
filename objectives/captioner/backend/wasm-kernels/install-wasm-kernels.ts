/**
 * Registers the captioner's own SIMD kernels with tfjs-backend-wasm. They run on the
 * backend's own heap (its exported memory is imported by our module), so a kernel call
 * copies nothing: it reads the input tensors where tfjs keeps them and writes fresh
 * output tensors.
 */
import * as tf from "@tensorflow/tfjs";
import { gemmFunction } from "./gemm-kernel.ts";
import { adamwFunction, sumOfSquaresFunction } from "./optimizer-kernels.ts";
import { encodeModule } from "./wasm-code.ts";

/** Grouped product C[g] = alpha·op(A[g])·B[g]; attrs `{ transposeA, alpha }`. */
export const HPO_GEMM = "HpoGroupedGemm";
/** Fused AdamW update of one tensor: inputs w, g, m, v; outputs w', m', v'. */
export const HPO_ADAMW = "HpoAdamW";

interface KernelExports {
  gemm(...args: number[]): void;
  sumsq(ptr: number, n: number): number;
  adamw(...args: number[]): void;
}

/** The parts of tfjs-backend-wasm's backend object these kernels rely on. */
interface WasmBackendInternals {
  wasm: { asm?: Record<string, unknown> };
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: "float32"): tf.TensorInfo;
}

/** AdamW scalars for {@link HPO_ADAMW}. */
export interface AdamWAttrs {
  readonly gradScale: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly stepSize: number;
  readonly epsHat: number;
  readonly decay: number;
}

const instances = new WeakMap<object, KernelExports>();
let moduleBytes: Uint8Array<ArrayBuffer> | null = null;

function bytes(): Uint8Array<ArrayBuffer> {
  moduleBytes ??= encodeModule([gemmFunction(), sumOfSquaresFunction(), adamwFunction()]);
  return moduleBytes;
}

function wasmMemoryOf(backend: unknown): WebAssembly.Memory | null {
  const internals = backend as Partial<WasmBackendInternals> | undefined;
  const memory = internals?.wasm?.asm?.memory;
  return memory instanceof WebAssembly.Memory ? memory : null;
}

function kernelsFor(backend: WasmBackendInternals): KernelExports {
  let k = instances.get(backend);
  if (!k) {
    const memory = wasmMemoryOf(backend);
    if (!memory) throw new Error("tfjs-backend-wasm does not expose its memory");
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes()), { env: { memory } });
    k = instance.exports as unknown as KernelExports;
    instances.set(backend, k);
  }
  return k;
}

const offsetOf = (backend: WasmBackendInternals, t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset;

function groupedGemm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as WasmBackendInternals;
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const transposeA = Boolean(args.attrs?.transposeA);
  const alpha = (args.attrs?.alpha as number | undefined) ?? 1;
  const [G, d1, d2] = a.shape;
  const M = transposeA ? d2 : d1;
  const K = transposeA ? d1 : d2;
  const N = b.shape[2];
  const out = backend.makeOutput([G, M, N], "float32");
  kernelsFor(backend).gemm(
    offsetOf(backend, a), offsetOf(backend, b), offsetOf(backend, out), G, M, K, N,
    transposeA ? 4 : K * 4, transposeA ? M * 4 : 4,
    d1 * d2 * 4, K * N * 4, M * N * 4, alpha,
  );
  return out;
}

function adamwKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo[] {
  const backend = args.backend as WasmBackendInternals;
  const { w, g, m, v } = args.inputs as Record<"w" | "g" | "m" | "v", tf.TensorInfo>;
  const a = args.attrs as unknown as AdamWAttrs;
  const shape = [...w.shape];
  const outs = [backend.makeOutput(shape, "float32"), backend.makeOutput(shape, "float32"), backend.makeOutput(shape, "float32")];
  const n = shape.reduce((x, y) => x * y, 1);
  kernelsFor(backend).adamw(
    offsetOf(backend, w), offsetOf(backend, g), offsetOf(backend, m), offsetOf(backend, v),
    offsetOf(backend, outs[0]), offsetOf(backend, outs[1]), offsetOf(backend, outs[2]), n,
    a.gradScale, a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, a.stepSize, a.epsHat, a.decay,
  );
  return outs;
}

/**
 * Installs the kernels for the active wasm backend; false (and nothing registered) when
 * the backend's internals or WebAssembly SIMD are not available, so callers fall back to
 * plain tfjs ops.
 */
export function installWasmKernels(): boolean {
  if (tf.getBackend() !== "wasm") return false;
  if (!wasmMemoryOf(tf.backend())) return false;
  if (!WebAssembly.validate(bytes())) return false;
  if (!tf.getKernel(HPO_GEMM, "wasm")) {
    tf.registerKernel({ kernelName: HPO_GEMM, backendName: "wasm", kernelFunc: groupedGemm as unknown as tf.KernelFunc });
  }
  if (!tf.getKernel(HPO_ADAMW, "wasm")) {
    tf.registerKernel({ kernelName: HPO_ADAMW, backendName: "wasm", kernelFunc: adamwKernel as unknown as tf.KernelFunc });
  }
  return true;
}

/** Whether the kernels can run on the active backend right now. */
export function wasmKernelsActive(): boolean {
  return tf.getBackend() === "wasm" && tf.getKernel(HPO_GEMM, "wasm") !== undefined;
}

/** Σ x² of a float32 tensor, read in place (call only when {@link wasmKernelsActive}). */
export function wasmSumOfSquares(t: tf.Tensor): number {
  const backend = tf.backend() as unknown as WasmBackendInternals;
  return kernelsFor(backend).sumsq(offsetOf(backend, t), t.size);
}
