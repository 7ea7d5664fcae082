/**
 * Reads PyTorch's `torch.save` zip format (pytorch_model.bin since torch 1.6): a zip whose
 * `<root>/data.pkl` pickles a dict of tensors and whose `<root>/data/<key>` entries hold
 * the raw storages. The pickle goes through the restricted unpickler (data and tensors
 * only, never code); the legacy pre-1.6 format is refused with a way out.
 */
import { unpickle, storageFromPersistentId, type TensorRef } from "./restricted-unpickler.ts";
import { DTYPE_BYTES, decodeElements, elementCount, type TensorRecord } from "./tensor-record.ts";
import { looksLikeZip, ZipArchive } from "./zip-archive.ts";

function stridedValues(storageBytes: Uint8Array, ref: TensorRef): Float32Array {
  const { storage, shape, stride, offset } = ref;
  const count = elementCount(shape);
  let contiguous = true;
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== expected) contiguous = false;
    expected *= shape[d];
  }
  const size = DTYPE_BYTES[storage.dtype];
  if (contiguous) return decodeElements(storageBytes, offset * size, count, storage.dtype);
  // A strided view (a saved transpose): gather element by element.
  const all = decodeElements(storageBytes, 0, storage.numel, storage.dtype);
  const out = new Float32Array(count);
  const index = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < count; i++) {
    let at = offset;
    for (let d = 0; d < shape.length; d++) at += index[d] * stride[d];
    out[i] = all[at];
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

/**
 * The tensors of a torch.save file held in `bytes`, by name; `source` names the file in
 * errors.
 */
export function readTorchCheckpoint(bytes: Uint8Array, source: string): Map<string, TensorRecord> {
  if (!looksLikeZip(bytes)) {
    throw new Error(`${source}: not a zip archive — the legacy (torch < 1.6) format is not read; re-save it with torch.save(..., _use_new_zipfile_serialization=True) or convert it to model.safetensors`);
  }
  const archive = new ZipArchive(bytes, source);
  const pickleName = [...archive.entries.keys()].find((n) => n.endsWith("/data.pkl") && n.split("/").length === 2);
  if (!pickleName) throw new Error(`${source}: no <root>/data.pkl entry; not a torch.save archive`);
  const root = pickleName.slice(0, -"data.pkl".length);
  const storages = new Map<string, Uint8Array>();
  let object: unknown;
  try {
    object = unpickle(archive.read(pickleName), (pid) => storageFromPersistentId(pid));
  } catch (e) {
    throw new Error(`${source}: ${(e as Error).message}`);
  }
  // HF checkpoints are a flat dict; some trainers wrap it as {"state_dict": {...}} or {"model": {...}}.
  if (object instanceof Map && !(object.values().next().value as TensorRef | undefined)?.kind) {
    const inner = object.get("state_dict") ?? object.get("model");
    if (inner instanceof Map) object = inner;
  }
  if (!(object instanceof Map)) throw new Error(`${source}: the pickle holds ${Array.isArray(object) ? "a list" : typeof object}, not a dict of tensors`);
  const out = new Map<string, TensorRecord>();
  for (const [name, value] of object) {
    const ref = value as TensorRef;
    if (typeof name !== "string" || !ref || ref.kind !== "tensor") continue;
    const storageBytes = () => {
      let s = storages.get(ref.storage.key);
      if (!s) {
        s = archive.read(`${root}data/${ref.storage.key}`);
        if (s.length < ref.storage.numel * DTYPE_BYTES[ref.storage.dtype]) throw new Error(`${source}: storage ${ref.storage.key} is shorter than its ${ref.storage.numel} elements`);
        storages.set(ref.storage.key, s);
      }
      return s;
    };
    out.set(name, { name, dtype: ref.storage.dtype, shape: [...ref.shape], values: () => stridedValues(storageBytes(), ref) });
  }
  return out;
}
