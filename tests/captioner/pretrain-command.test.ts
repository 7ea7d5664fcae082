import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCaptioner, runPretrainCommand } from "hpo/captioner";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hpo-pretrain-cli-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  const o = vi.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
  const e = vi.spyOn(process.stderr, "write").mockImplementation((s) => (err.push(String(s)), true));
  return { out, err, restore: () => (o.mockRestore(), e.mockRestore()) };
}

describe("hpo captioner pretrain", () => {
  it("rejects bad flags with exit code 2, naming the flag", async () => {
    const c = capture();
    try {
      expect(await runPretrainCommand(["--epochs", "zero"])).toBe(2);
      expect(await runPretrainCommand(["--lr", "0"])).toBe(2);
      expect(await runPretrainCommand(["--bogus"])).toBe(2);
    } finally {
      c.restore();
    }
    expect(c.err.join("")).toMatch(/--epochs: expected an integer/);
    expect(c.err.join("")).toMatch(/--lr: expected a positive number/);
    expect(c.err.join("")).toMatch(/Unknown option '--bogus'/);
  });

  it("pretrains a small base into --out, printing progress, and refuses to overwrite it", async () => {
    const out = join(dir, "base");
    const args = ["--out", out, "--images", "16", "--epochs", "2", "--batch-size", "8", "--image-size", "16", "--width", "16", "--layers", "1", "--heads", "2", "--max-tokens", "8"];
    const c = capture();
    let code: number;
    let again: number;
    try {
      code = await runPretrainCommand(args);
      again = await runPretrainCommand(args);
    } finally {
      c.restore();
    }
    expect(code).toBe(0);
    expect(c.out.join("")).toBe(`${out}\n`);
    expect(c.err.join("")).toMatch(/\[pretrain\] epoch 1\/2: train loss [\d.]+, validation loss [\d.]+/);
    expect(c.err.join("")).toMatch(/\[pretrain\] epoch 2\/2/);
    expect(again).toBe(1);
    expect(c.err.join("")).toMatch(/already holds a model \(use --force/);
    expect(existsSync(join(out, "weights.bin"))).toBe(true);
    const { model } = await loadCaptioner(out);
    expect(model.config.encoder).toMatchObject({ imageSize: 16, dModel: 16, layers: 1, heads: 2 });
    model.dispose();
  });
});
