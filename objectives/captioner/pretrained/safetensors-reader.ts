/**
 * Reads the safetensors format (what `save_pretrained` writes as model.safetensors): an
 * 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape and
 * byte range, then the raw little-endian data. Nothing in the file is executed; the header
 * is checked against the file before any tensor is read.
 */
import { DTYPE_BYTES, decodeElements, elementCount, type StoredDtype, type TensorRecord } from "./tensor-record.ts";

const headerEntry = (v: unknown): v is { dtype: string; shape: number[]; data_offsets: [number, number] } => {
  if (typeof v !== "object" || v === null) return false;
  const e = v as Record<string, unknown>;
  return (
    typeof e.dtype === "string" &&
    Array.isArray(e.shape) &&
    e.shape.every((d) => Number.isInteger(d) && (d as number) >= 0) &&
    Array.isArray(e.data_offsets) &&
    e.data_offsets.length === 2 &&
    e.data_offsets.every((d) => Number.isInteger(d) && (d as number) >= 0)
  );
};

/** The tensors of a safetensors file, by name, plus the header's `__metadata__`. */
export interface SafetensorsContents {
  readonly tensors: Map<string, TensorRecord>;
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * Parses `bytes` (the whole file); `source` names the file in errors.
 *
 * @example
 * const { tensors } = readSafetensors(await readFile("model.safetensors"), "model.safetensors");
 */
export function readSafetensors(bytes: Uint8Array, source: string): SafetensorsContents {
  const fail = (why: string): never => {
    throw new Error(`${source}: not a valid safetensors file: ${why}`);
  };
  if (bytes.length < 8) fail(`${bytes.length} bytes, too short for the header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.length - 8) fail(`header length ${headerLength} exceeds the file (${bytes.length} bytes)`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch (e) {
    fail(`header is not JSON (${(e as Error).message})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) fail("header is not a JSON object");
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const tensors = new Map<string, TensorRecord>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      metadata = (entry ?? {}) as Record<string, string>;
      continue;
    }
    if (!headerEntry(entry)) fail(`entry "${name}" lacks dtype, shape or data_offsets`);
    const { dtype, shape, data_offsets } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    if (!(dtype in DTYPE_BYTES)) fail(`tensor "${name}" has dtype ${dtype}; hpo reads ${Object.keys(DTYPE_BYTES).join(", ")}`);
    const stored = dtype as StoredDtype;
    const [begin, end] = data_offsets;
    const count = elementCount(shape);
    if (end < begin || end > dataLength) fail(`tensor "${name}" spans bytes ${begin}–${end} of ${dataLength}`);
    if (end - begin !== count * DTYPE_BYTES[stored]) {
      fail(`tensor "${name}" (${stored} [${shape.join(", ")}]) needs ${count * DTYPE_BYTES[stored]} bytes, has ${end - begin}`);
    }
    tensors.set(name, { name, dtype: stored, shape: [...shape], values: () => decodeElements(bytes, dataStart + begin, count, stored) });
  }
  return { tensors, metadata };
}
