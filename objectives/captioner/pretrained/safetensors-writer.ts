/**
 * Writes float32 tensors in the safetensors format (peft's adapter_model.safetensors, a
 * fine-tuned model.safetensors): header length, JSON header padded with spaces to a
 * multiple of 8 bytes (as the reference writer does, so data stays aligned), raw data.
 */

/** A float32 tensor to write. */
export interface Float32Tensor {
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

/** Encodes `tensors` (written in the map's order) and optional string `metadata`. */
export function writeSafetensors(tensors: ReadonlyMap<string, Float32Tensor>, metadata?: Readonly<Record<string, string>>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    const expected = t.shape.reduce((a, b) => a * b, 1);
    if (expected !== t.values.length) throw new Error(`safetensors: tensor ${name} has ${t.values.length} values for shape [${t.shape.join(", ")}]`);
    header[name] = { dtype: "F32", shape: [...t.shape], data_offsets: [offset, offset + t.values.length * 4] };
    offset += t.values.length * 4;
  }
  let json = JSON.stringify(header);
  const encoder = new TextEncoder();
  const pad = (8 - (encoder.encode(json).length % 8)) % 8;
  json += " ".repeat(pad);
  const headerBytes = encoder.encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of tensors.values()) {
    // Little-endian on every platform Node supports.
    out.set(new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength), at);
    at += t.values.byteLength;
  }
  return out;
}
