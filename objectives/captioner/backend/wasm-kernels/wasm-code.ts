/**
 * A minimal WebAssembly binary writer: just the opcodes the captioner's SIMD kernels use,
 * so the kernels can be assembled at run time without a toolchain or a shipped binary.
 */

/** Value types used by the kernels. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
export type ValueType = typeof I32 | typeof F32 | typeof V128;

/** Unsigned LEB128. */
export function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 (for i32.const). */
export function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/** A function body under construction: typed emitters for each instruction. */
export class CodeWriter {
  readonly bytes: number[] = [];
  readonly #localTypes: ValueType[] = [];
  readonly #paramCount: number;

  constructor(paramCount: number) {
    this.#paramCount = paramCount;
  }

  /** Declares a local of `type` and returns its index. */
  local(type: ValueType): number {
    this.#localTypes.push(type);
    return this.#paramCount + this.#localTypes.length - 1;
  }

  #op(...b: number[]): this {
    this.bytes.push(...b);
    return this;
  }
  #simd(code: number, ...rest: number[]): this {
    return this.#op(0xfd, ...uleb(code), ...rest);
  }

  get(index: number): this {
    return this.#op(0x20, ...uleb(index));
  }
  set(index: number): this {
    return this.#op(0x21, ...uleb(index));
  }
  tee(index: number): this {
    return this.#op(0x22, ...uleb(index));
  }
  i32(value: number): this {
    return this.#op(0x41, ...sleb(value));
  }
  /** f32.const. */
  f32(value: number): this {
    const b = new Uint8Array(new Float32Array([value]).buffer);
    return this.#op(0x43, ...b);
  }
  f32Add(): this {
    return this.#op(0x92);
  }
  f32Sub(): this {
    return this.#op(0x93);
  }
  f32Mul(): this {
    return this.#op(0x94);
  }
  f32Div(): this {
    return this.#op(0x95);
  }
  f32Sqrt(): this {
    return this.#op(0x91);
  }
  ltS(): this {
    return this.#op(0x48);
  }
  add(): this {
    return this.#op(0x6a);
  }
  sub(): this {
    return this.#op(0x6b);
  }
  mul(): this {
    return this.#op(0x6c);
  }
  gtS(): this {
    return this.#op(0x4a);
  }
  geS(): this {
    return this.#op(0x4e);
  }
  eqz(): this {
    return this.#op(0x45);
  }
  block(): this {
    return this.#op(0x02, 0x40);
  }
  loop(): this {
    return this.#op(0x03, 0x40);
  }
  end(): this {
    return this.#op(0x0b);
  }
  br(depth: number): this {
    return this.#op(0x0c, ...uleb(depth));
  }
  brIf(depth: number): this {
    return this.#op(0x0d, ...uleb(depth));
  }
  /** f32.load with a 4-byte alignment hint. */
  f32Load(offset = 0): this {
    return this.#op(0x2a, 2, ...uleb(offset));
  }
  /** f32.store with a 4-byte alignment hint. */
  f32Store(offset = 0): this {
    return this.#op(0x38, 2, ...uleb(offset));
  }
  /** v128.load; the alignment hint is 4 bytes because tensors are only float-aligned. */
  v128Load(offset = 0): this {
    return this.#simd(0x00, 2, ...uleb(offset));
  }
  v128Store(offset = 0): this {
    return this.#simd(0x0b, 2, ...uleb(offset));
  }
  /** v128.load32_splat: one float broadcast to four lanes. */
  load32Splat(offset = 0): this {
    return this.#simd(0x09, 2, ...uleb(offset));
  }
  v128Zero(): this {
    return this.#simd(0x0c, ...new Array<number>(16).fill(0));
  }
  f32x4Add(): this {
    return this.#simd(0xe4);
  }
  f32x4Sub(): this {
    return this.#simd(0xe5);
  }
  f32x4Mul(): this {
    return this.#simd(0xe6);
  }
  f32x4Div(): this {
    return this.#simd(0xe7);
  }
  f32x4Sqrt(): this {
    return this.#simd(0xe3);
  }
  /** f32x4.splat of the f32 on the stack. */
  f32x4Splat(): this {
    return this.#simd(0x13);
  }
  f32x4ExtractLane(lane: number): this {
    return this.#simd(0x1f, lane);
  }

  /** The encoded body: locals grouped by type, the code, and the final `end`. */
  encode(): number[] {
    const groups: [number, ValueType][] = [];
    for (const t of this.#localTypes) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    const body = [...uleb(groups.length), ...groups.flatMap(([n, t]) => [...uleb(n), t]), ...this.bytes, 0x0b];
    return [...uleb(body.length), ...body];
  }
}

/** One exported function of a module. */
export interface WasmFunction {
  readonly name: string;
  readonly params: readonly ValueType[];
  /** At most one result (default none). */
  readonly results?: readonly ValueType[];
  readonly code: CodeWriter;
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function name(s: string): number[] {
  const b = [...new TextEncoder().encode(s)];
  return [...uleb(b.length), ...b];
}

/**
 * A module that imports its memory as `env.memory` (so it works on another module's
 * heap, zero-copy) and exports the given functions.
 */
export function encodeModule(functions: readonly WasmFunction[]): Uint8Array<ArrayBuffer> {
  const types = functions.flatMap((f) => [0x60, ...uleb(f.params.length), ...f.params, ...uleb(f.results?.length ?? 0), ...(f.results ?? [])]);
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [...uleb(functions.length), ...types]),
    ...section(2, [...uleb(1), ...name("env"), ...name("memory"), 0x02, 0x00, ...uleb(1)]),
    ...section(3, [...uleb(functions.length), ...functions.flatMap((_, i) => uleb(i))]),
    ...section(7, [...uleb(functions.length), ...functions.flatMap((f, i) => [...name(f.name), 0x00, ...uleb(i)])]),
    ...section(10, [...uleb(functions.length), ...functions.flatMap((f) => f.code.encode())]),
  ];
  return new Uint8Array(bytes);
}
