/**
 * Builds a checkpoint's GPT-2 tokenizer from its folder: vocab.json + merges.txt (what the
 * slow GPT2Tokenizer reads), or the BPE model inside tokenizer.json when only the fast
 * tokenizer's file is there; special tokens from special_tokens_map.json,
 * tokenizer_config.json or tokenizer.json's added tokens.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readJsonFile } from "./checkpoint-folder.ts";
import { Gpt2BpeTokenizer } from "./gpt2-bpe-tokenizer.ts";

function tokenContent(v: unknown): string | null {
  if (typeof v === "string") return v;
  if (v && typeof v === "object" && typeof (v as { content?: unknown }).content === "string") return (v as { content: string }).content;
  return null;
}

function specialTokens(dir: string, fast: Record<string, unknown> | null): string[] {
  const out = new Set<string>(["<|endoftext|>"]);
  for (const file of ["special_tokens_map.json", "tokenizer_config.json"]) {
    const json = readJsonFile(dir, file, false) as Record<string, unknown> | null;
    if (!json) continue;
    for (const key of ["bos_token", "eos_token", "unk_token", "pad_token"]) {
      const t = tokenContent(json[key]);
      if (t) out.add(t);
    }
    const decoder = json.added_tokens_decoder;
    if (decoder && typeof decoder === "object") for (const v of Object.values(decoder)) if ((v as { special?: boolean }).special) out.add(tokenContent(v) ?? "");
  }
  for (const t of (fast?.added_tokens as { content: string; special?: boolean }[] | undefined) ?? []) if (t.special) out.add(t.content);
  out.delete("");
  return [...out];
}

/** The tokenizer of checkpoint folder `dir`. */
export function loadGpt2Tokenizer(dir: string): Gpt2BpeTokenizer {
  const fast = readJsonFile(dir, "tokenizer.json", false) as Record<string, unknown> | null;
  const specials = specialTokens(dir, fast);
  if (existsSync(join(dir, "vocab.json")) && existsSync(join(dir, "merges.txt"))) {
    const vocab = readJsonFile(dir, "vocab.json") as Record<string, number>;
    return new Gpt2BpeTokenizer({ vocab, merges: readFileSync(join(dir, "merges.txt"), "utf8"), specialTokens: specials }, dir);
  }
  const model = fast?.model as { type?: string; vocab?: Record<string, number>; merges?: (string | [string, string])[] } | undefined;
  if (model?.type === "BPE" && model.vocab && model.merges) {
    const merges = model.merges.map((m) => (Array.isArray(m) ? m.join(" ") : m)).join("\n");
    const vocab = { ...model.vocab };
    for (const t of (fast?.added_tokens as { id: number; content: string }[] | undefined) ?? []) vocab[t.content] ??= t.id;
    return new Gpt2BpeTokenizer({ vocab, merges, specialTokens: specials }, join(dir, "tokenizer.json"));
  }
  throw new Error(`${dir}: no vocab.json + merges.txt (nor a BPE tokenizer.json); the GPT-2 tokenizer's files are needed`);
}
