/**
 * A minimal protobuf wire-format codec: just what W&B's transaction-log records need
 * (varints, length-delimited fields, and pass-through of fixed32/fixed64). Schema-free:
 * `decodeFields` lists the fields in the order they appear, and `encodeFields` writes them
 * back, so a record we do not model still round-trips byte for byte.
 */

/** The protobuf wire types. */
export const WireType = { VARINT: 0, I64: 1, LEN: 2, I32: 5 } as const;

/** One field as it appears on the wire (fixed-width values are kept as raw bytes). */
export type WireField =
  | { readonly field: number; readonly wireType: typeof WireType.VARINT; readonly value: bigint }
  | { readonly field: number; readonly wireType: typeof WireType.LEN; readonly value: Uint8Array }
  | { readonly field: number; readonly wireType: typeof WireType.I64; readonly value: Uint8Array }
  | { readonly field: number; readonly wireType: typeof WireType.I32; readonly value: Uint8Array };

/** Bytes that are not a well-formed protobuf message. */
export class ProtobufDecodeError extends Error {
  override readonly name = "ProtobufDecodeError";
}

const utf8Decoder = new TextDecoder("utf-8", { fatal: true });
const utf8Encoder = new TextEncoder();

/** Lists every field of one message, in wire order. */
export function decodeFields(bytes: Uint8Array): WireField[] {
  const fields: WireField[] = [];
  let pos = 0;
  const readVarint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (pos >= bytes.length) throw new ProtobufDecodeError(`truncated varint at byte ${pos}`);
      const b = bytes[pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return BigInt.asUintN(64, result);
      shift += 7n;
    }
    throw new ProtobufDecodeError(`varint longer than 10 bytes at byte ${pos}`);
  };
  const take = (n: number): Uint8Array => {
    if (pos + n > bytes.length) throw new ProtobufDecodeError(`field of ${n} bytes runs past the end at byte ${pos}`);
    const out = bytes.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  while (pos < bytes.length) {
    const key = readVarint();
    const field = Number(key >> 3n);
    const wireType = Number(key & 7n);
    if (field === 0) throw new ProtobufDecodeError(`field number 0 at byte ${pos}`);
    switch (wireType) {
      case WireType.VARINT:
        fields.push({ field, wireType, value: readVarint() });
        break;
      case WireType.LEN: {
        const len = readVarint();
        if (len > BigInt(bytes.length)) throw new ProtobufDecodeError(`length ${len} runs past the end`);
        fields.push({ field, wireType, value: take(Number(len)) });
        break;
      }
      case WireType.I64:
        fields.push({ field, wireType, value: take(8) });
        break;
      case WireType.I32:
        fields.push({ field, wireType, value: take(4) });
        break;
      default:
        throw new ProtobufDecodeError(`unsupported wire type ${wireType} for field ${field}`);
    }
  }
  return fields;
}

/** Writes fields back in the given order (the inverse of {@link decodeFields}). */
export function encodeFields(fields: readonly WireField[]): Uint8Array {
  const w = new ProtoWriter();
  for (const f of fields) {
    if (f.wireType === WireType.VARINT) w.rawVarint(f.field, f.value);
    else w.rawBytes(f.field, f.wireType, f.value);
  }
  return w.finish();
}

/**
 * Builds one message. Scalar helpers follow proto3 and leave out default values (0, "",
 * false); `message` always writes, since presence of a sub-message is meaningful.
 */
export class ProtoWriter {
  #buf = new Uint8Array(64);
  #len = 0;

  /** An int64/int32/uint64/enum field; negative values are written as 64-bit two's complement. */
  int(field: number, value: number | bigint): this {
    const v = typeof value === "bigint" ? value : BigInt(Math.trunc(value));
    if (v !== 0n) this.rawVarint(field, BigInt.asUintN(64, v));
    return this;
  }

  /** A bool field. */
  bool(field: number, value: boolean): this {
    if (value) this.rawVarint(field, 1n);
    return this;
  }

  /** A string field (UTF-8). */
  string(field: number, value: string): this {
    if (value !== "") this.rawBytes(field, WireType.LEN, utf8Encoder.encode(value));
    return this;
  }

  /** A repeated string field. */
  strings(field: number, values: readonly string[]): this {
    for (const v of values) this.rawBytes(field, WireType.LEN, utf8Encoder.encode(v));
    return this;
  }

  /** An embedded message field (written even when empty). */
  message(field: number, body: Uint8Array | ProtoWriter): this {
    this.rawBytes(field, WireType.LEN, body instanceof ProtoWriter ? body.finish() : body);
    return this;
  }

  /** A varint field written as is (no default omission). */
  rawVarint(field: number, value: bigint): this {
    this.#key(field, WireType.VARINT);
    this.#varint(value);
    return this;
  }

  /** A length-delimited or fixed-width field written as is. */
  rawBytes(field: number, wireType: typeof WireType.LEN | typeof WireType.I64 | typeof WireType.I32, value: Uint8Array): this {
    this.#key(field, wireType);
    if (wireType === WireType.LEN) this.#varint(BigInt(value.length));
    this.#push(value);
    return this;
  }

  /** The message's bytes. */
  finish(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }

  #key(field: number, wireType: number): void {
    this.#varint((BigInt(field) << 3n) | BigInt(wireType));
  }

  #varint(value: bigint): void {
    let v = BigInt.asUintN(64, value);
    const bytes: number[] = [];
    while (v >= 0x80n) {
      bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    bytes.push(Number(v));
    this.#push(bytes);
  }

  #push(bytes: ArrayLike<number>): void {
    if (this.#len + bytes.length > this.#buf.length) {
      const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#len + bytes.length));
      next.set(this.#buf.subarray(0, this.#len));
      this.#buf = next;
    }
    this.#buf.set(bytes, this.#len);
    this.#len += bytes.length;
  }
}

/** A LEN field as UTF-8 text (throws on invalid UTF-8 or a non-LEN field). */
export function fieldText(f: WireField): string {
  if (f.wireType !== WireType.LEN) throw new ProtobufDecodeError(`field ${f.field} is not a string`);
  return utf8Decoder.decode(f.value);
}

/** A LEN field's raw bytes (an embedded message). */
export function fieldBytes(f: WireField): Uint8Array {
  if (f.wireType !== WireType.LEN) throw new ProtobufDecodeError(`field ${f.field} is not a message`);
  return f.value;
}

/** A VARINT field as a signed 64-bit integer, returned as a number. */
export function fieldInt(f: WireField): number {
  if (f.wireType !== WireType.VARINT) throw new ProtobufDecodeError(`field ${f.field} is not a varint`);
  return Number(BigInt.asIntN(64, f.value));
}

/** A VARINT field as a bool. */
export function fieldBool(f: WireField): boolean {
  return fieldInt(f) !== 0;
}
