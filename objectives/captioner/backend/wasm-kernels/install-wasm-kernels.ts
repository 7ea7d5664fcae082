/**
 * Registers the captioner's own SIMD kernels with tfjs-backend-wasm. They run on the
 * backend's own heap (its exported memory is imported by our module), so a kernel call
 * copies nothing: it reads the input tensors where tfjs keeps them and writes a fresh
 * output tensor.
 */
import * as tf from "@tensorflow/tfjs";
import { encodeModule } from "./wasm-code.ts";
import { gemmFunction } from "./gemm-kernel.ts";

/** Kernel name of the grouped product C[g] = op(A[g]) · B[g]; attrs: `{ transposeA }`. */
export const HPO_GEMM = "HpoGroupedGemm";

type GemmFn = (...args: number[]) => void;

/** The parts of tfjs-backend-wasm's backend object these kernels rely on. */
interface WasmBackendInternals {
  wasm: { asm?: Record<string, unknown> };
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: "float32"): tf.TensorInfo;
}

const instances = new WeakMap<object, GemmFn>();
let moduleBytes: Uint8Array<ArrayBuffer> | null = null;

function wasmMemoryOf(backend: unknown): WebAssembly.Memory | null {
  const internals = backend as Partial<WasmBackendInternals> | undefined;
  const memory = internals?.wasm?.asm?.memory;
  return memory instanceof WebAssembly.Memory ? memory : null;
}

function gemmFor(backend: WasmBackendInternals): GemmFn {
  let fn = instances.get(backend);
  if (!fn) {
    const memory = wasmMemoryOf(backend);
    if (!memory) throw new Error("tfjs-backend-wasm does not expose its memory");
    moduleBytes ??= encodeModule([gemmFunction()]);
    const instance = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes), { env: { memory } });
    fn = instance.exports.gemm as GemmFn;
    instances.set(backend, fn);
  }
  return fn;
}

function groupedGemm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as WasmBackendInternals;
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const transposeA = Boolean(args.attrs?.transposeA);
  const [G, d1, d2] = a.shape;
  const M = transposeA ? d2 : d1;
  const K = transposeA ? d1 : d2;
  const N = b.shape[2];
  const out = backend.makeOutput([G, M, N], "float32");
  const offset = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset;
  gemmFor(backend)(
    offset(a), offset(b), offset(out), G, M, K, N,
    transposeA ? 4 : K * 4, transposeA ? M * 4 : 4,
    d1 * d2 * 4, K * N * 4, M * N * 4,
  );
  return out;
}

/**
 * Installs the kernels for the active wasm backend; false (and nothing registered) when
 * the backend's internals or WebAssembly SIMD are not available, so callers fall back
 * to tf.matMul.
 */
export function installWasmKernels(): boolean {
  if (tf.getBackend() !== "wasm") return false;
  if (!wasmMemoryOf(tf.backend())) return false;
  moduleBytes ??= encodeModule([gemmFunction()]);
  if (!WebAssembly.validate(moduleBytes)) return false;
  if (!tf.getKernel(HPO_GEMM, "wasm")) {
    tf.registerKernel({ kernelName: HPO_GEMM, backendName: "wasm", kernelFunc: groupedGemm as unknown as tf.KernelFunc });
  }
  return true;
}

/** Whether the grouped kernel can run on the active backend right now. */
export function wasmKernelsActive(): boolean {
  return tf.getBackend() === "wasm" && tf.getKernel(HPO_GEMM, "wasm") !== undefined;
}
