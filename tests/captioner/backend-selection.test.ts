import { createRequire } from "node:module";
import * as tf from "@tensorflow/tfjs";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BackendUnavailableError, gpuAccess, gpuVisible, parseBackendEnv, selectBackend, TF_GPU_LIBRARIES } from "hpo/captioner";
import { describe, expect, it } from "vitest";

const installed = (pkg: string) => {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
};

describe("backend selection", () => {
  it("parses HPO_TF_BACKEND, with aliases, and rejects unknown names", () => {
    expect(parseBackendEnv(undefined)).toBeUndefined();
    expect(parseBackendEnv("auto")).toBeUndefined();
    expect(parseBackendEnv(" WASM ")).toBe("wasm");
    expect(parseBackendEnv("tensorflow")).toBe("node");
    expect(() => parseBackendEnv("webgpu")).toThrow(/HPO_TF_BACKEND=webgpu is not a backend; use one of node-gpu, node, wasm, cpu/);
  });

  it.skipIf(installed("@tensorflow/tfjs-node"))("fails loudly when HPO_TF_BACKEND forces tfjs-node and it is not installed", async () => {
    const logs: string[] = [];
    const attempt = selectBackend({ env: { HPO_TF_BACKEND: "node" }, log: (m) => logs.push(m) });
    await expect(attempt).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(selectBackend({ env: { HPO_TF_BACKEND: "node" }, log: () => {} })).rejects.toThrow(/HPO_TF_BACKEND=node cannot be used: .*@tensorflow\/tfjs-node/);
    expect(logs).toEqual([]);
  });

  it.skipIf(installed("@tensorflow/tfjs-node-gpu"))("fails loudly for a forced tfjs-node-gpu that is not installed", async () => {
    await expect(selectBackend({ env: { HPO_TF_BACKEND: "node-gpu" }, log: () => {} })).rejects.toThrow(/HPO_TF_BACKEND=node-gpu cannot be used/);
  });

  it("forces wasm and cpu, and logs the choice", async () => {
    const logs: string[] = [];
    const wasm = await selectBackend({ env: { HPO_TF_BACKEND: "wasm" }, log: (m) => logs.push(m) });
    expect(wasm).toMatchObject({ choice: "wasm", tfBackend: "wasm", forced: true, simdKernels: true });
    expect(tf.getBackend()).toBe("wasm");
    const cpu = await selectBackend({ env: { HPO_TF_BACKEND: "cpu" }, log: (m) => logs.push(m) });
    expect(cpu).toMatchObject({ choice: "cpu", tfBackend: "cpu", forced: true, simdKernels: false });
    expect(logs).toEqual(["[captioner] tfjs backend: wasm (forced by HPO_TF_BACKEND), SIMD attention kernels", "[captioner] tfjs backend: cpu (forced by HPO_TF_BACKEND)"]);
  });

  it.skipIf(installed("@tensorflow/tfjs-node"))("chooses automatically: no GPU, no tfjs-node here, so wasm, saying what it skipped", async () => {
    const logs: string[] = [];
    const picked = await selectBackend({ env: { CUDA_VISIBLE_DEVICES: "-1" }, log: (m) => logs.push(m) });
    expect(picked.choice).toBe("wasm");
    expect(picked.forced).toBe(false);
    expect(picked.skipped[0]).toBe("node-gpu: CUDA_VISIBLE_DEVICES=-1 hides every GPU");
    expect(picked.skipped[1]).toMatch(/^node: /);
    expect(picked.device).toBe("cpu");
    expect(logs[0]).toMatch(/^\[captioner\] tfjs backend: wasm \(SIMD attention kernels\); skipped node-gpu: CUDA_VISIBLE_DEVICES=-1 hides every GPU; node: /);
  });

  it("treats CUDA_VISIBLE_DEVICES=-1 or empty as no GPU", () => {
    expect(gpuVisible({ CUDA_VISIBLE_DEVICES: "-1" })).toBe(false);
    expect(gpuVisible({ CUDA_VISIBLE_DEVICES: "" })).toBe(false);
  });

  it("says why tfjs-node-gpu would run on the CPU: GPUs hidden, no driver GPU, CUDA libraries missing", () => {
    // A fake machine: a driver folder listing GPUs and a library folder, as files on disk.
    const root = mkdtempSync(join(tmpdir(), "hpo-gpu-access-"));
    const driver = join(root, "gpus");
    const noDriver = join(root, "absent");
    const libs = join(root, "lib");
    mkdirSync(join(driver, "0000:3b:00.0"), { recursive: true });
    mkdirSync(join(driver, "0000:5e:00.0"));
    mkdirSync(libs);
    expect(gpuAccess({ env: { CUDA_VISIBLE_DEVICES: "-1" }, driverGpusDir: driver, libraryDirs: [libs] })).toEqual({ usable: false, reason: "CUDA_VISIBLE_DEVICES=-1 hides every GPU" });
    expect(gpuAccess({ env: { CUDA_VISIBLE_DEVICES: "" }, driverGpusDir: driver, libraryDirs: [libs] })).toEqual({ usable: false, reason: 'CUDA_VISIBLE_DEVICES="" hides every GPU' });
    expect(gpuAccess({ env: {}, driverGpusDir: noDriver, libraryDirs: [libs] })).toEqual({ usable: false, reason: `no NVIDIA GPU (${noDriver} lists none)` });
    expect(gpuAccess({ env: { CUDA_VISIBLE_DEVICES: "1" }, driverGpusDir: driver, libraryDirs: [libs] })).toEqual({
      usable: false,
      reason: "libcudart.so.11.0 and libcudnn.so.8 not found (TensorFlow would run on the CPU)",
    });
    writeFileSync(join(libs, TF_GPU_LIBRARIES[0]), "");
    expect(gpuAccess({ env: {}, driverGpusDir: driver, libraryDirs: [libs] })).toEqual({ usable: false, reason: "libcudnn.so.8 not found (TensorFlow would run on the CPU)" });
    writeFileSync(join(libs, TF_GPU_LIBRARIES[1]), "");
    expect(gpuAccess({ env: { CUDA_VISIBLE_DEVICES: "1" }, driverGpusDir: driver, libraryDirs: [libs] })).toEqual({ usable: true, gpus: 2 });
  });

  it.skipIf(installed("@tensorflow/tfjs-node"))("skips tfjs-node-gpu with the reason when a GPU is there but cuDNN is not", async () => {
    const root = mkdtempSync(join(tmpdir(), "hpo-gpu-access-"));
    mkdirSync(join(root, "gpus", "0000:3b:00.0"), { recursive: true });
    const logs: string[] = [];
    const picked = await selectBackend({ env: {}, log: (m) => logs.push(m), gpuProbe: { driverGpusDir: join(root, "gpus"), libraryDirs: [root] } });
    expect(picked.skipped[0]).toBe("node-gpu: libcudart.so.11.0 and libcudnn.so.8 not found (TensorFlow would run on the CPU)");
    expect(picked.device).toBe("cpu");
    expect(logs[0]).toContain("skipped node-gpu: libcudart.so.11.0 and libcudnn.so.8 not found");
  });
});
