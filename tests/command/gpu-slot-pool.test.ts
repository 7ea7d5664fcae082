import { describe, expect, it } from "vitest";
import { GpuSlotPool, gpusFromEnvironment, parseGpuList } from "hpo/command";

describe("parseGpuList", () => {
  it("reads comma- or space-separated indices and UUIDs", () => {
    expect(parseGpuList("0,1,2,3")).toEqual(["0", "1", "2", "3"]);
    expect(parseGpuList(" 2, 5 ")).toEqual(["2", "5"]);
    expect(parseGpuList("0 1")).toEqual(["0", "1"]);
    expect(parseGpuList("GPU-8c1b2d3e-aaaa,MIG-1f2e/1/0")).toEqual(["GPU-8c1b2d3e-aaaa", "MIG-1f2e/1/0"]);
  });

  it("refuses empty lists, junk and duplicates", () => {
    expect(() => parseGpuList(" , ")).toThrow(/no device/);
    expect(() => parseGpuList("0,cuda:1")).toThrow(/"cuda:1" is not a device index/);
    expect(() => parseGpuList("0,1,0")).toThrow(/device 0 is listed twice/);
  });

  it("reads HPO_GPUS, treating unset or blank as no GPUs", () => {
    expect(gpusFromEnvironment({ HPO_GPUS: "1,3" })).toEqual(["1", "3"]);
    expect(gpusFromEnvironment({})).toBeNull();
    expect(gpusFromEnvironment({ HPO_GPUS: " " })).toBeNull();
    expect(() => gpusFromEnvironment({ HPO_GPUS: "x" })).toThrow(/^HPO_GPUS: "x"/);
  });
});

describe("GpuSlotPool", () => {
  it("gives each free device once, then makes trials wait first come first served", async () => {
    const pool = new GpuSlotPool();
    const devices = ["0", "1"];
    const a = await pool.acquire(devices);
    const b = await pool.acquire(devices);
    expect([a.device, b.device]).toEqual(["0", "1"]);
    const order: string[] = [];
    const c = pool.acquire(devices).then((slot) => (order.push(`c:${slot.device}`), slot));
    const d = pool.acquire(devices).then((slot) => (order.push(`d:${slot.device}`), slot));
    await Promise.resolve();
    expect(pool.waiting).toBe(2);
    expect(order).toEqual([]);
    b.release();
    b.release(); // idempotent: must not free "1" twice
    const slotC = await c;
    expect(order).toEqual(["c:1"]);
    expect([...pool.busyDevices()].sort()).toEqual(["0", "1"]);
    a.release();
    const slotD = await d;
    expect(order).toEqual(["c:1", "d:0"]);
    slotC.release();
    slotD.release();
    expect(pool.busyDevices()).toEqual([]);
  });

  it("never hands one device to two holders, across different device lists", async () => {
    const pool = new GpuSlotPool();
    const held = new Set<string>();
    const lists = [["0", "1"], ["1", "2"], ["2"], ["0", "1", "2"]];
    let overlaps = 0;
    await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const slot = await pool.acquire(lists[i % lists.length]);
        if (held.has(slot.device)) overlaps++;
        expect(lists[i % lists.length]).toContain(slot.device);
        held.add(slot.device);
        await new Promise((r) => setTimeout(r, 1 + (i % 3)));
        held.delete(slot.device);
        slot.release();
      }),
    );
    expect(overlaps).toBe(0);
    expect(pool.waiting).toBe(0);
  });

  it("refuses an empty device list", async () => {
    await expect(new GpuSlotPool().acquire([])).rejects.toThrow(/empty/);
  });
});
