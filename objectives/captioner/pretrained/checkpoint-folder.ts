/**
 * Finds and reads the files of a Hugging Face checkpoint folder, as `huggingface-cli
 * download` or the hub cache (`models--org--name/snapshots/<rev>/`) leaves them: JSON
 * configs, and weights from model.safetensors or pytorch_model.bin (sharded or not).
 * Nothing is downloaded; a missing file is named in one line.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { readSafetensors } from "./safetensors-reader.ts";
import type { TensorRecord } from "./tensor-record.ts";
import { readTorchCheckpoint } from "./torch-checkpoint-reader.ts";

/** What a folder expects, for error messages. */
export const CHECKPOINT_FILES = "config.json, model.safetensors or pytorch_model.bin, vocab.json + merges.txt, preprocessor_config.json";

/**
 * The folder holding the files: `dir` itself, or for a hub cache entry
 * (`models--org--name`) the snapshot that refs/main names (or the only one).
 */
export function resolveCheckpointFolder(dir: string): string {
  if (!existsSync(dir)) throw new Error(`checkpoint folder ${dir} does not exist`);
  if (!statSync(dir).isDirectory()) throw new Error(`checkpoint ${dir} is a file; expected a folder with ${CHECKPOINT_FILES}`);
  const snapshots = join(dir, "snapshots");
  if (!existsSync(join(dir, "config.json")) && existsSync(snapshots)) {
    const ref = join(dir, "refs", "main");
    if (existsSync(ref)) {
      const rev = readFileSync(ref, "utf8").trim();
      if (existsSync(join(snapshots, rev))) return join(snapshots, rev);
    }
    const revs = readdirSync(snapshots);
    if (revs.length === 1) return join(snapshots, revs[0]);
    throw new Error(`${dir}: a hub cache entry with ${revs.length} snapshots and no refs/main; pass one of ${snapshots}/<revision>`);
  }
  return dir;
}

/** Parses JSON file `name` in `dir`; `required` false returns null when it is absent. */
export function readJsonFile(dir: string, name: string, required = true): unknown {
  const path = join(dir, name);
  if (!existsSync(path)) {
    if (!required) return null;
    throw new Error(`${dir}: no ${name} (a Hugging Face checkpoint folder has ${CHECKPOINT_FILES})`);
  }
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
}

/** A checkpoint's tensors, the files they came from and a hash of those files. */
export interface CheckpointWeights {
  readonly tensors: Map<string, TensorRecord>;
  /** Which file each tensor came from (for error messages). */
  readonly fileOf: ReadonlyMap<string, string>;
  readonly files: readonly string[];
  /** sha256 of the weight files' bytes, in order. */
  readonly hash: string;
}

function shardFiles(dir: string, index: string): string[] {
  const json = readJsonFile(dir, index) as { weight_map?: Record<string, string> };
  if (!json || typeof json.weight_map !== "object") throw new Error(`${join(dir, index)}: no weight_map`);
  return [...new Set(Object.values(json.weight_map))].sort();
}

/** Reads the weights of `dir`: model.safetensors (or its shards), else pytorch_model.bin (or its shards). */
export function readCheckpointWeights(dir: string): CheckpointWeights {
  let files: string[];
  if (existsSync(join(dir, "model.safetensors"))) files = ["model.safetensors"];
  else if (existsSync(join(dir, "model.safetensors.index.json"))) files = shardFiles(dir, "model.safetensors.index.json");
  else if (existsSync(join(dir, "pytorch_model.bin"))) files = ["pytorch_model.bin"];
  else if (existsSync(join(dir, "pytorch_model.bin.index.json"))) files = shardFiles(dir, "pytorch_model.bin.index.json");
  else throw new Error(`${dir}: no model.safetensors or pytorch_model.bin (a Hugging Face checkpoint folder has ${CHECKPOINT_FILES})`);
  const tensors = new Map<string, TensorRecord>();
  const fileOf = new Map<string, string>();
  const hash = createHash("sha256");
  for (const file of files) {
    const path = join(dir, file);
    if (!existsSync(path)) throw new Error(`${dir}: no ${file} (named by the shard index)`);
    const bytes = readFileSync(path);
    hash.update(bytes);
    const read = file.endsWith(".safetensors") ? readSafetensors(bytes, path).tensors : readTorchCheckpoint(bytes, path);
    for (const [name, t] of read) {
      tensors.set(name, t);
      fileOf.set(name, path);
    }
  }
  return { tensors, fileOf, files: files.map((f) => join(dir, f)), hash: hash.digest("hex") };
}
