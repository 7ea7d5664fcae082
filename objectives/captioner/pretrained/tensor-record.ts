/**
 * A tensor as read from a checkpoint file: its name, stored dtype and shape, and its values
 * widened to float32 on demand (a reader keeps the file's bytes and converts lazily, so a
 * tensor the model never asks for is never copied).
 */

/** The stored element types hpo reads. */
export type StoredDtype = "F32" | "F16" | "BF16" | "F64" | "I64" | "I32" | "I16" | "I8" | "U8" | "BOOL";

/** One tensor of a checkpoint. */
export interface TensorRecord {
  readonly name: string;
  readonly dtype: StoredDtype;
  readonly shape: readonly number[];
  /** The values as float32 (integers and booleans converted). */
  values(): Float32Array;
}

/** Bytes per element of each stored dtype. */
export const DTYPE_BYTES: Readonly<Record<StoredDtype, number>> = { F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

/** The number of elements of `shape`. */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

const f16Scratch = new Float32Array(1);
const f16Bits = new Uint32Array(f16Scratch.buffer);

/** IEEE half → float32 (exact: every half is a float32). */
export function halfToFloat(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) {
    // Zero or subnormal: mantissa · 2^-24.
    const v = mantissa * 2 ** -24;
    return sign ? -v : v;
  }
  if (exponent === 0x1f) f16Bits[0] = sign | 0x7f800000 | (mantissa << 13);
  else f16Bits[0] = sign | ((exponent + 112) << 23) | (mantissa << 13);
  return f16Scratch[0];
}

/**
 * Reads `count` contiguous little-endian elements of `dtype` starting at byte `offset` of
 * `bytes` into a new Float32Array.
 */
export function decodeElements(bytes: Uint8Array, offset: number, count: number, dtype: StoredDtype): Float32Array {
  const out = new Float32Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * DTYPE_BYTES[dtype]);
  switch (dtype) {
    case "F32":
      // Byte copy: the source offset need not be 4-byte aligned.
      new Uint8Array(out.buffer).set(bytes.subarray(offset, offset + count * 4));
      break;
    case "F16":
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
      break;
    case "BF16": {
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(i * 2, true) << 16;
      break;
    }
    case "F64":
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
      break;
    case "I64":
      for (let i = 0; i < count; i++) out[i] = Number(view.getBigInt64(i * 8, true));
      break;
    case "I32":
      for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, true);
      break;
    case "I16":
      for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, true);
      break;
    case "I8":
      for (let i = 0; i < count; i++) out[i] = view.getInt8(i);
      break;
    case "U8":
    case "BOOL":
      for (let i = 0; i < count; i++) out[i] = view.getUint8(i);
      break;
  }
  return out;
}
