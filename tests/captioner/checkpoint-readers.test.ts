import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateRawSync } from "node:zlib";
import {
  Gpt2BpeTokenizer,
  loadPretrainedCaptioner,
  readSafetensors,
  readTorchCheckpoint,
  unpickle,
  writeSafetensors,
} from "hpo/captioner";
import { SeededRandom } from "../../src/random/seeded-random.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useBackend } from "./captioner-test-helpers.ts";

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "captioner", "hf");
let tmp = "";
beforeAll(async () => {
  await useBackend("wasm");
  tmp = mkdtempSync(join(tmpdir(), "hpo-readers-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("safetensors", () => {
  it("round-trips float32 tensors and reads F16 and BF16 as float32", () => {
    const bytes = writeSafetensors(new Map([["a.weight", { shape: [2, 3], values: Float32Array.from([1, -2, 3.5, 0, 1e-3, -7]) }]]), { format: "pt" });
    const { tensors, metadata } = readSafetensors(bytes, "x");
    expect(metadata).toEqual({ format: "pt" });
    expect(tensors.get("a.weight")?.shape).toEqual([2, 3]);
    expect(Array.from(tensors.get("a.weight")?.values() ?? [])).toEqual([1, -2, 3.5, 0, Math.fround(1e-3), -7]);
    // Hand-written F16 (1.0, -2.5, 65504, a subnormal) and BF16 (1.0, -3.0) tensors.
    const header = JSON.stringify({ h: { dtype: "F16", shape: [4], data_offsets: [0, 8] }, b: { dtype: "BF16", shape: [2], data_offsets: [8, 12] } });
    const data = Uint8Array.from([0x00, 0x3c, 0x00, 0xc1, 0xff, 0x7b, 0x01, 0x00, 0x80, 0x3f, 0x40, 0xc0]);
    const file = new Uint8Array(8 + header.length + data.length);
    new DataView(file.buffer).setBigUint64(0, BigInt(header.length), true);
    file.set(new TextEncoder().encode(header), 8);
    file.set(data, 8 + header.length);
    const read = readSafetensors(file, "half").tensors;
    expect(Array.from(read.get("h")?.values() ?? [])).toEqual([1, -2.5, 65504, 2 ** -24]);
    expect(Array.from(read.get("b")?.values() ?? [])).toEqual([1, -3]);
  });

  it("names what is wrong with a broken file", () => {
    expect(() => readSafetensors(new Uint8Array(4), "f.safetensors")).toThrow(/f\.safetensors: not a valid safetensors file: 4 bytes/);
    const bytes = writeSafetensors(new Map([["w", { shape: [4], values: new Float32Array(4) }]]));
    expect(() => readSafetensors(bytes.subarray(0, bytes.length - 4), "cut.safetensors")).toThrow(/tensor "w" spans bytes 0–16 of 12/);
  });
});

describe("pytorch_model.bin (restricted reader)", () => {
  it("reads the tensors torch.save wrote (the F16 fixture), tied copies included", () => {
    const tensors = readTorchCheckpoint(readFileSync(join(FIXTURES, "ved-bin-f16", "pytorch_model.bin")), "bin");
    expect(tensors.get("decoder.transformer.wte.weight")?.dtype).toBe("F16");
    expect(Array.from(tensors.get("decoder.lm_head.weight")?.values() ?? [])).toEqual(Array.from(tensors.get("decoder.transformer.wte.weight")?.values() ?? []));
  });

  it("refuses any global outside the tensor vocabulary (a pickle that would run os.system)", () => {
    // The opcodes pickle writes for `os.system("echo pwned")`: GLOBAL, a string, TUPLE1, REDUCE.
    const evil = Uint8Array.from([0x80, 0x02, 0x63, ...Buffer.from("posix\nsystem\n"), 0x58, 10, 0, 0, 0, ...Buffer.from("echo pwned"), 0x85, 0x52, 0x2e]);
    expect(() => unpickle(evil, () => null)).toThrow(/refused global posix\.system: only tensors are read/);
    const build = Uint8Array.from([0x80, 0x02, 0x63, ...Buffer.from("builtins\neval\n"), 0x2e]);
    expect(() => unpickle(build, () => null)).toThrow(/refused global builtins\.eval/);
  });

  it("explains the legacy format and a zip without data.pkl", () => {
    writeFileSync(join(tmp, "legacy.bin"), Uint8Array.from([0x80, 0x02, 0x8a, 0x0a]));
    expect(() => readTorchCheckpoint(readFileSync(join(tmp, "legacy.bin")), "legacy.bin")).toThrow(/legacy \(torch < 1\.6\) format is not read/);
    // A one-entry zip (deflated) without data.pkl.
    const name = Buffer.from("x/readme");
    const body = deflateRawSync(Buffer.from("hello"));
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(5, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(5, 24);
    central.writeUInt16LE(name.length, 28);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(1, 10);
    end.writeUInt32LE(46 + name.length, 12);
    end.writeUInt32LE(30 + name.length + body.length, 16);
    const zip = Buffer.concat([local, name, body, central, name, end]);
    expect(() => readTorchCheckpoint(zip, "nozip.bin")).toThrow(/no <root>\/data\.pkl entry/);
  });
});

describe("GPT-2 byte-level BPE", () => {
  const dir = join(FIXTURES, "ved-f32-pooler");
  const tokenizer = new Gpt2BpeTokenizer({ vocab: JSON.parse(readFileSync(join(dir, "vocab.json"), "utf8")), merges: readFileSync(join(dir, "merges.txt"), "utf8"), specialTokens: ["<|endoftext|>"] });

  it("round-trips every byte string exactly, invalid UTF-8 included", () => {
    const rng = new SeededRandom(9);
    for (let k = 0; k < 300; k++) {
      const bytes = Uint8Array.from({ length: rng.int(0, 40) }, () => (rng.random() < 0.6 ? rng.int(0x20, 0x7e) : rng.int(0, 255)));
      expect(Buffer.from(tokenizer.decodeBytes(tokenizer.encode(bytes))).equals(Buffer.from(bytes))).toBe(true);
    }
    for (const text of ["", " ", "  two  spaces ", "tab\tnew\nline\r\n", "naïve café 🍣 東京", "it's we'll", "\u0085\ufeff\u00a0"]) {
      expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    }
  });

  it("splits as GPT-2's pattern does, with special tokens whole", () => {
    const eot = tokenizer.idOf("<|endoftext|>") as number;
    const ids = tokenizer.encode("a<|endoftext|>b");
    expect(ids).toContain(eot);
    expect(tokenizer.decode(ids, { skipSpecialTokens: true })).toBe("ab");
    // Python regex's \\s (White_Space) holds U+0085 and not U+FEFF, unlike JavaScript's.
    expect(tokenizer.encode(" \u0085x").length).toBe(tokenizer.encode(" \u0085").length + tokenizer.encode("x").length);
  });

  it("rejects a vocabulary that is not byte-level", () => {
    expect(() => new Gpt2BpeTokenizer({ vocab: { a: 0 }, merges: "" }, "vocab.json")).toThrow(/vocab\.json: vocab\.json has no token for byte 0/);
  });
});

describe("loadPretrainedCaptioner: one line for a bad folder", () => {
  const copy = (name: string) => {
    const to = join(tmp, `${name}-${Math.random().toString(36).slice(2)}`);
    cpSync(join(FIXTURES, name), to, { recursive: true });
    return to;
  };

  it("names the missing file", async () => {
    const dir = copy("ved-f32-pooler");
    rmSync(join(dir, "model.safetensors"));
    await expect(loadPretrainedCaptioner(dir)).rejects.toThrow(new RegExp(`${dir}: no model\\.safetensors or pytorch_model\\.bin`));
    rmSync(join(dir, "preprocessor_config.json"));
    await expect(loadPretrainedCaptioner(dir)).rejects.toThrow(/no preprocessor_config\.json/);
    await expect(loadPretrainedCaptioner(join(tmp, "nothing-here"))).rejects.toThrow(/checkpoint folder .*nothing-here does not exist/);
  });

  it("names an unsupported model type", async () => {
    const dir = copy("ved-f32-pooler");
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    writeFileSync(join(dir, "config.json"), JSON.stringify({ ...config, model_type: "blip" }));
    await expect(loadPretrainedCaptioner(dir)).rejects.toThrow(/model_type "blip" is not supported/);
    writeFileSync(join(dir, "config.json"), JSON.stringify({ ...config, decoder: { ...config.decoder, model_type: "bert" } }));
    await expect(loadPretrainedCaptioner(dir)).rejects.toThrow(/decoder model_type "bert" is not supported \(expected "gpt2"\)/);
    writeFileSync(join(dir, "config.json"), JSON.stringify(config.encoder));
    await expect(loadPretrainedCaptioner(dir)).rejects.toThrow(/is a "vit" model; a captioner needs both towers/);
  });

  it("names a tensor whose shape does not fit the config (name, expected and found)", async () => {
    const dir = copy("ved-f32-pooler");
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    writeFileSync(join(dir, "config.json"), JSON.stringify({ ...config, decoder: { ...config.decoder, n_inner: 48 } }));
    await expect(loadPretrainedCaptioner(dir)).rejects.toThrow(/tensor decoder\.transformer\.h\.0\.mlp\.c_fc\.weight has shape \[20, 40\], expected \[20, 48\] from config\.json/);
  });

  it("names a missing tensor", async () => {
    const dir = copy("ved-f32-pooler");
    const { tensors } = readSafetensors(readFileSync(join(dir, "model.safetensors")), "m");
    const kept = new Map([...tensors].filter(([n]) => n !== "decoder.transformer.h.1.crossattention.q_attn.weight").map(([n, t]) => [n, { shape: t.shape, values: t.values() }]));
    writeFileSync(join(dir, "model.safetensors"), writeSafetensors(kept));
    await expect(loadPretrainedCaptioner(dir)).rejects.toThrow(/tensor decoder\.transformer\.h\.1\.crossattention\.q_attn\.weight is missing \(expected shape \[20, 20\]\)/);
  });
});
