/**
 * A pickle reader that builds data and nothing else: the opcodes of protocols 0–5 that
 * describe containers, strings and numbers, plus a fixed list of "globals" that torch.save
 * uses to describe tensors (OrderedDict, `_rebuild_tensor_v2`, `_rebuild_parameter`, the
 * typed storage classes). Any other global — the way a pickle runs code — is refused with
 * its name, so reading an untrusted pytorch_model.bin can never execute anything.
 */
import type { StoredDtype } from "./tensor-record.ts";

/** A storage a tensor views, named by the persistent id torch.save writes. */
export interface StorageRef {
  readonly kind: "storage";
  readonly dtype: StoredDtype;
  /** The entry name under `<archive>/data/`. */
  readonly key: string;
  readonly numel: number;
}

/** A tensor: a strided view of a storage. */
export interface TensorRef {
  readonly kind: "tensor";
  readonly storage: StorageRef;
  readonly offset: number;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
}

interface GlobalRef {
  readonly kind: "global";
  readonly name: string;
}

/** The storage classes torch.save names, by their element type. */
const STORAGE_TYPES: Readonly<Record<string, StoredDtype>> = {
  FloatStorage: "F32",
  HalfStorage: "F16",
  BFloat16Storage: "BF16",
  DoubleStorage: "F64",
  LongStorage: "I64",
  IntStorage: "I32",
  ShortStorage: "I16",
  CharStorage: "I8",
  ByteStorage: "U8",
  BoolStorage: "BOOL",
};

const CALLABLES = new Set(["collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor", "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state"]);

function asInt(v: unknown, what: string): number {
  if (typeof v === "number" && Number.isInteger(v)) return v;
  if (typeof v === "bigint") return Number(v);
  throw new Error(`expected an integer for ${what}, found ${typeof v}`);
}

function intList(v: unknown, what: string): number[] {
  if (!Array.isArray(v)) throw new Error(`expected a tuple for ${what}`);
  return v.map((x, i) => asInt(x, `${what}[${i}]`));
}

function call(fn: GlobalRef, args: unknown): unknown {
  const a = Array.isArray(args) ? args : [];
  switch (fn.name) {
    case "collections.OrderedDict":
      return new Map();
    case "torch._utils._rebuild_tensor":
    case "torch._utils._rebuild_tensor_v2": {
      const storage = a[0] as StorageRef;
      if (!storage || storage.kind !== "storage") throw new Error(`${fn.name} expects a storage first`);
      return { kind: "tensor", storage, offset: asInt(a[1], "storage offset"), shape: intList(a[2], "size"), stride: intList(a[3], "stride") } satisfies TensorRef;
    }
    case "torch._utils._rebuild_parameter":
    case "torch._utils._rebuild_parameter_with_state":
      return a[0];
    default:
      throw new Error(`refused to call ${fn.name}`);
  }
}

/**
 * Reads one pickle. `persistentLoad` resolves persistent ids (torch's storages); the
 * result is built from Maps (dicts), arrays (lists and tuples), strings, numbers, bigints,
 * booleans, null, Uint8Arrays and what `persistentLoad` and the allowed globals return.
 */
export function unpickle(data: Uint8Array, persistentLoad: (pid: unknown) => unknown): unknown {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  const latin1 = new TextDecoder("latin1");
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  let pos = 0;
  const need = (n: number) => {
    if (pos + n > data.length) throw new Error("pickle ends early");
  };
  const u8 = () => (need(1), data[pos++]);
  const u16 = () => (need(2), (pos += 2), view.getUint16(pos - 2, true));
  const u32 = () => (need(4), (pos += 4), view.getUint32(pos - 4, true));
  const i32 = () => (need(4), (pos += 4), view.getInt32(pos - 4, true));
  const u64 = () => (need(8), (pos += 8), Number(view.getBigUint64(pos - 8, true)));
  const bytes = (n: number) => (need(n), (pos += n), data.subarray(pos - n, pos));
  const line = () => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0) throw new Error("pickle ends inside a text line");
    const s = latin1.decode(data.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = () => {
    if (stack.length === 0) throw new Error("pickle pops an empty stack");
    return stack.pop();
  };
  const popMark = (): unknown[] => {
    const m = marks.pop();
    if (m === undefined) throw new Error("pickle has no mark to pop");
    return stack.splice(m);
  };
  const top = () => stack[stack.length - 1];
  const global = (module: string, name: string): GlobalRef => {
    const full = `${module}.${name}`;
    if (module === "torch" && name in STORAGE_TYPES) return { kind: "global", name: full };
    if (CALLABLES.has(full)) return { kind: "global", name: full };
    throw new Error(`refused global ${full}: only tensors are read from a pickled checkpoint`);
  };
  const longFrom = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const setItems = (target: unknown, items: unknown[]) => {
    if (!(target instanceof Map)) throw new Error("pickle sets items on something that is not a dict");
    for (let i = 0; i + 1 < items.length; i += 2) target.set(items[i], items[i + 1]);
  };
  const append = (target: unknown, items: unknown[]) => {
    if (!Array.isArray(target)) throw new Error("pickle appends to something that is not a list");
    target.push(...items);
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        u8();
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: // STOP
        return pop();
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x74: // TUPLE
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x64: {
        // DICT
        const m = new Map();
        setItems(m, popMark());
        stack.push(m);
        break;
      }
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x58: // BINUNICODE
        stack.push(utf8.decode(bytes(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8.decode(bytes(u8())));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(utf8.decode(bytes(u64())));
        break;
      case 0x54: // BINSTRING
        stack.push(latin1.decode(bytes(i32())));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(latin1.decode(bytes(u8())));
        break;
      case 0x42: // BINBYTES
        stack.push(Uint8Array.from(bytes(u32())));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(Uint8Array.from(bytes(u8())));
        break;
      case 0x8e: // BINBYTES8
        stack.push(Uint8Array.from(bytes(u64())));
        break;
      case 0x56: // UNICODE (protocol 0, raw-unicode-escape; ASCII names in practice)
        stack.push(line());
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(longFrom(bytes(u8())));
        break;
      case 0x8b: // LONG4
        stack.push(longFrom(bytes(u32())));
        break;
      case 0x49: {
        // INT (text)
        const s = line();
        stack.push(s === "01" ? true : s === "00" ? false : Number.parseInt(s, 10));
        break;
      }
      case 0x4c: // LONG (text)
        stack.push(Number.parseInt(line().replace(/L$/, ""), 10));
        break;
      case 0x47: // BINFLOAT (big-endian double)
        need(8);
        pos += 8;
        stack.push(view.getFloat64(pos - 8, false));
        break;
      case 0x46: // FLOAT (text)
        stack.push(Number.parseFloat(line()));
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x70: // PUT
        memo.set(Number.parseInt(line(), 10), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: // LONG_BINGET
      case 0x67: {
        // GET
        const key = op === 0x68 ? u8() : op === 0x6a ? u32() : Number.parseInt(line(), 10);
        if (!memo.has(key)) throw new Error(`pickle reads memo ${key} before writing it`);
        stack.push(memo.get(key));
        break;
      }
      case 0x63: {
        // GLOBAL
        const module = line();
        stack.push(global(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== "string" || typeof name !== "string") throw new Error("STACK_GLOBAL needs two strings");
        stack.push(global(module, name));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop() as GlobalRef;
        if (!fn || fn.kind !== "global") throw new Error("pickle calls something that is not an allowed global");
        stack.push(call(fn, args));
        break;
      }
      case 0x62: {
        // BUILD: object state; state dicts carry `_metadata` this way, which is not needed.
        const state = pop();
        const target = top();
        if (!(target instanceof Map) && !(target && (target as TensorRef).kind === "tensor")) {
          throw new Error(`pickle sets the state of an object that is neither a dict nor a tensor (${typeof state})`);
        }
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        setItems(top(), [key, value]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x61: {
        // APPEND
        const item = pop();
        append(top(), [item]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x51: // BINPERSID
        stack.push(persistentLoad(pop()));
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      default:
        throw new Error(`pickle opcode 0x${op.toString(16).padStart(2, "0")} at byte ${pos - 1} is not allowed (only plain data and tensors are read)`);
    }
  }
}

/** Resolves torch.save's persistent id ('storage', <storage class>, key, location, numel). */
export function storageFromPersistentId(pid: unknown): StorageRef {
  if (!Array.isArray(pid) || pid[0] !== "storage" || pid.length < 5) throw new Error(`unexpected persistent id ${JSON.stringify(pid)}`);
  const type = pid[1] as GlobalRef;
  const className = type?.kind === "global" ? type.name.replace(/^torch\./, "") : "";
  const dtype = STORAGE_TYPES[className];
  if (!dtype) throw new Error(`unsupported storage type ${type?.name ?? String(type)}`);
  return { kind: "storage", dtype, key: String(pid[2]), numel: asInt(pid[4], "storage size") };
}
