/** One GPU held by one trial until `release()`. */
export interface GpuSlot {
  /** The device id as CUDA_VISIBLE_DEVICES takes it ("0", "GPU-8c1b…", "MIG-…"). */
  readonly device: string;
  /** Gives the GPU back; later calls do nothing. */
  release(): void;
}

interface Waiter {
  readonly allowed: readonly string[];
  readonly grant: (slot: GpuSlot) => void;
}

/**
 * Hands out GPUs one trial at a time: a device is held by at most one trial, and a trial
 * that finds every allowed device busy waits, first come first served, for one to free up.
 * Devices are plain ids, so one pool can serve objectives with different device lists.
 *
 * @example
 * const slot = await pool.acquire(["0", "1"]);
 * try { run({ CUDA_VISIBLE_DEVICES: slot.device }); } finally { slot.release(); }
 */
export class GpuSlotPool {
  readonly #busy = new Set<string>();
  readonly #waiters: Waiter[] = [];

  /** Takes the first free device of `allowed` (in order), waiting for one if all are busy. */
  acquire(allowed: readonly string[]): Promise<GpuSlot> {
    if (allowed.length === 0) return Promise.reject(new Error("GpuSlotPool.acquire: the device list is empty"));
    const free = allowed.find((device) => !this.#busy.has(device));
    if (free !== undefined) return Promise.resolve(this.#take(free));
    return new Promise((grant) => this.#waiters.push({ allowed, grant }));
  }

  /** Devices held right now. */
  busyDevices(): readonly string[] {
    return [...this.#busy];
  }

  /** Trials waiting for a device. */
  get waiting(): number {
    return this.#waiters.length;
  }

  #take(device: string): GpuSlot {
    this.#busy.add(device);
    let released = false;
    return {
      device,
      release: () => {
        if (released) return;
        released = true;
        this.#busy.delete(device);
        this.#handOver(device);
      },
    };
  }

  /** Gives a freed device to the oldest waiter that may use it. */
  #handOver(device: string): void {
    const index = this.#waiters.findIndex((waiter) => waiter.allowed.includes(device));
    if (index === -1) return;
    const [waiter] = this.#waiters.splice(index, 1);
    waiter.grant(this.#take(device));
  }
}

/** The pool every command objective in this process shares: a GPU is never given twice. */
export const processGpuPool = new GpuSlotPool();

/**
 * Parses a device list such as `--gpus 0,1,2,3` or `HPO_GPUS=0,1`: comma- or
 * space-separated ids (indices or GPU-/MIG- UUIDs), no duplicates, at least one.
 *
 * @example
 * parseGpuList("0,1,2,3") // ["0", "1", "2", "3"]
 */
export function parseGpuList(spec: string): string[] {
  const devices = spec
    .split(/[\s,]+/)
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
  if (devices.length === 0) throw new Error(`gpus: no device in ${JSON.stringify(spec)} (expected e.g. "0,1,2,3")`);
  for (const device of devices) {
    if (!/^(\d+|(GPU|MIG)-[A-Za-z0-9/_-]+)$/.test(device)) {
      throw new Error(`gpus: ${JSON.stringify(device)} is not a device index or GPU-/MIG- UUID`);
    }
  }
  const seen = new Set<string>();
  for (const device of devices) {
    if (seen.has(device)) throw new Error(`gpus: device ${device} is listed twice`);
    seen.add(device);
  }
  return devices;
}
