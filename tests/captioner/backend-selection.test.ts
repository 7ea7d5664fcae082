import { createRequire } from "node:module";
import * as tf from "@tensorflow/tfjs";
import { BackendUnavailableError, gpuVisible, parseBackendEnv, selectBackend } from "hpo/captioner";
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
    expect(picked.skipped[0]).toBe("node-gpu: no GPU visible");
    expect(picked.skipped[1]).toMatch(/^node: /);
    expect(logs[0]).toMatch(/^\[captioner\] tfjs backend: wasm \(SIMD attention kernels\); skipped node-gpu: no GPU visible; node: /);
  });

  it("treats CUDA_VISIBLE_DEVICES=-1 or empty as no GPU", () => {
    expect(gpuVisible({ CUDA_VISIBLE_DEVICES: "-1" })).toBe(false);
    expect(gpuVisible({ CUDA_VISIBLE_DEVICES: "" })).toBe(false);
  });
});
