import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStudy, RandomSampler, startFeedServer, type FrozenTrial, type Storage } from "hpo";
import { hostname } from "node:os";
import { BACKENDS, openBackend, uniqueName } from "../support/backends.ts";

describe.each(BACKENDS)("which worker ran a trial, on %s", (backend) => {
  let storage: Storage;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ storage, cleanup } = await openBackend(backend));
  });
  afterAll(() => cleanup());

  it("is on the trials a study hands out, the stored ones and the REST API's", async () => {
    const name = uniqueName("worker-id");
    const study = await createStudy({ studyName: name, storage, direction: "minimize", sampler: new RandomSampler({ seed: 2 }) });
    const finished: FrozenTrial[] = [];
    await study.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 3, callbacks: [(_s, t) => void finished.push(t)] });
    const stored = await study.trials();
    const ids = new Set([...finished, ...stored].map((t) => t.workerId));
    expect(ids.size).toBe(1);
    const [id] = ids;
    expect(id).toMatch(new RegExp(`^${hostname().replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:${process.pid}:`));
    await study.close();
    const server = await startFeedServer({ storage, port: 0, log: () => undefined });
    try {
      const res = await fetch(`${server.url}api/studies/${encodeURIComponent(name)}`);
      const body = (await res.json()) as { trials: { workerId: string | null }[] };
      expect(body.trials.map((t) => t.workerId)).toEqual([id, id, id]);
    } finally {
      await server.close();
    }
  });
});
