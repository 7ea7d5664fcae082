/** MetricLog: a snapshot's view of a running trial's metrics never changes after it is taken. */
import { describe, expect, test } from "vitest";
import { MetricLog } from "../../src/study/metric-log.ts";
import { createStudy } from "hpo";

const plain = (m: ReadonlyMap<number, Readonly<Record<string, number>>>) => [...m].map(([s, r]) => [s, { ...r }]);

describe("MetricLog", () => {
  test("a view keeps what it saw: later steps and names added to a seen step are not in it", () => {
    const log = new MetricLog();
    log.set(0, { loss: 3 });
    log.set(1, { loss: 2 });
    const early = log.view();
    log.set(1, { loss: 2, meteor: 0.2 });
    log.set(2, { loss: 1 });
    const late = log.view();
    expect(plain(early)).toEqual([[0, { loss: 3 }], [1, { loss: 2 }]]);
    expect(early.size).toBe(2);
    expect(early.get(1)).toEqual({ loss: 2 });
    expect(early.has(2)).toBe(false);
    expect(plain(late)).toEqual([[0, { loss: 3 }], [1, { loss: 2, meteor: 0.2 }], [2, { loss: 1 }]]);
    expect([...late.keys()]).toEqual([0, 1, 2]);
    expect(Object.isFrozen(late.get(2))).toBe(true);
  });

  test("steps set out of order come back in ascending order", () => {
    const log = new MetricLog();
    log.set(5, { a: 1 });
    log.set(2, { a: 2 });
    const view = log.view();
    log.set(1, { a: 3 });
    expect([...view.keys()]).toEqual([2, 5]);
    expect([...log.view().keys()]).toEqual([1, 2, 5]);
  });

  test("a running trial's snapshots are frozen in time", async () => {
    const study = await createStudy({ storage: "memory", studyName: "metric-log" });
    const trial = await study.ask();
    trial.report({ loss: 2, meteor: 0.1 }, 0);
    const first = trial.snapshot();
    trial.report({ loss: 1 }, 1);
    trial.report({ bleu1: 0.3 }, 0);
    const second = trial.snapshot();
    expect(plain(first.metrics)).toEqual([[0, { loss: 2, meteor: 0.1 }]]);
    expect(plain(second.metrics)).toEqual([[0, { loss: 2, meteor: 0.1, bleu1: 0.3 }], [1, { loss: 1 }]]);
    await study.tell(trial, 1);
    const [stored] = await study.trials();
    expect(plain(stored!.metrics)).toEqual(plain(second.metrics));
  });
});
