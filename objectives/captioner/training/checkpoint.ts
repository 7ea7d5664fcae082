/**
 * A fine-tuning checkpoint as bytes: the trainable tensors, AdamW's moments, where the run
 * stood and its best epoch's tensors, so a retried trial resumes after its last finished
 * epoch and still keeps the best weights. Layout: "HPOCKPT1",
 * a little-endian uint32 header length, a JSON header, then float32 data in header order.
 */
import { z } from "zod";

const MAGIC = "HPOCKPT1";

/** Everything a resumed run needs. */
export interface CheckpointState {
  /** Last finished epoch (1-based). */
  readonly epoch: number;
  readonly globalStep: number;
  /** Hyperparameters the run was started with; a resume with others starts over. */
  readonly hyperparameters: Readonly<Record<string, string | number>>;
  /** Intermediate values reported so far, by epoch. */
  readonly history: readonly { readonly epoch: number; readonly value: number }[];
  /** Trainable tensors by name (adapters or weights). */
  readonly tensors: ReadonlyMap<string, { readonly shape: readonly number[]; readonly values: Float32Array }>;
  readonly optimizer: { readonly step: number; readonly m: readonly Float32Array[]; readonly v: readonly Float32Array[] };
  /** The best epoch so far and its trainable tensors (same names as `tensors`), when it is not the last one. */
  readonly best?: { readonly epoch: number; readonly value: number; readonly tensors: ReadonlyMap<string, { readonly shape: readonly number[]; readonly values: Float32Array }> };
}

const headerSchema = z.object({
  epoch: z.number().int().nonnegative(),
  globalStep: z.number().int().nonnegative(),
  hyperparameters: z.record(z.string(), z.union([z.string(), z.number()])),
  history: z.array(z.object({ epoch: z.number(), value: z.number() })),
  tensors: z.array(z.object({ name: z.string(), shape: z.array(z.number().int().nonnegative()) })),
  optimizerStep: z.number().int().nonnegative(),
  best: z.object({ epoch: z.number().int().nonnegative(), value: z.number() }).optional(),
});

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Serialises a checkpoint. */
export function encodeCheckpoint(state: CheckpointState): Uint8Array {
  const tensors = [...state.tensors].map(([name, t]) => ({ name, shape: [...t.shape] }));
  const header = new TextEncoder().encode(
    JSON.stringify({
      epoch: state.epoch,
      globalStep: state.globalStep,
      hyperparameters: state.hyperparameters,
      history: state.history,
      tensors,
      optimizerStep: state.optimizer.step,
      ...(state.best ? { best: { epoch: state.best.epoch, value: state.best.value } } : {}),
    }),
  );
  const best = state.best ? [...state.tensors.keys()].map((name) => {
    const t = state.best?.tensors.get(name);
    if (!t) throw new Error(`checkpoint: best state lacks ${name}`);
    return t.values;
  }) : [];
  const arrays = [...[...state.tensors.values()].map((t) => t.values), ...state.optimizer.m, ...state.optimizer.v, ...best];
  const floats = arrays.reduce((n, a) => n + a.length, 0);
  const out = new Uint8Array(MAGIC.length + 4 + header.length + floats * 4);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(MAGIC.length, header.length, true);
  out.set(header, MAGIC.length + 4);
  let offset = MAGIC.length + 4 + header.length;
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), offset);
    offset += a.byteLength;
  }
  return out;
}

/** Parses bytes from {@link encodeCheckpoint}; throws on anything else. */
export function decodeCheckpoint(bytes: Uint8Array): CheckpointState {
  if (new TextDecoder().decode(bytes.subarray(0, MAGIC.length)) !== MAGIC) throw new Error("not a captioner checkpoint");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(MAGIC.length, true);
  const header = headerSchema.parse(JSON.parse(new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, MAGIC.length + 4 + headerLength))));
  let offset = MAGIC.length + 4 + headerLength;
  const take = (n: number): Float32Array => {
    if (offset + n * 4 > bytes.byteLength) throw new Error("checkpoint is truncated");
    // Copy: the payload offset need not be 4-byte aligned.
    const out = new Float32Array(n);
    new Uint8Array(out.buffer).set(bytes.subarray(offset, offset + n * 4));
    offset += n * 4;
    return out;
  };
  const tensors = new Map(header.tensors.map((t) => [t.name, { shape: t.shape, values: take(sizeOf(t.shape)) }]));
  const m = header.tensors.map((t) => take(sizeOf(t.shape)));
  const v = header.tensors.map((t) => take(sizeOf(t.shape)));
  const best = header.best ? { ...header.best, tensors: new Map(header.tensors.map((t) => [t.name, { shape: t.shape, values: take(sizeOf(t.shape)) }])) } : undefined;
  return {
    epoch: header.epoch,
    globalStep: header.globalStep,
    hyperparameters: header.hyperparameters,
    history: header.history,
    tensors,
    optimizer: { step: header.optimizerStep, m, v },
    ...(best ? { best } : {}),
  };
}
