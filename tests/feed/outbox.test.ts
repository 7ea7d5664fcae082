import { describe, expect, it } from "vitest";
import { FeedFrame } from "../../src/feed/feed-frame.ts";
import { Outbox } from "../../src/feed/outbox.ts";
import { RecentEvents } from "../../src/feed/recent-events.ts";
import type { FeedEvent } from "hpo";

const frame = (text: string) => new FeedFrame(text);
const item = (text: string, studyId: number | null, lastSeq = 0, eventCount = 0) => ({ frame: frame(text), studyId, lastSeq, eventCount });

describe("Outbox", () => {
  it("refuses live frames past its frame limit but always takes control frames", () => {
    const box = new Outbox({ maxFrames: 2, maxBytes: 1 << 20 });
    expect(box.offer(item("a", 1, 1, 1))).toBe(true);
    expect(box.offer(item("b", 1, 2, 1))).toBe(true);
    expect(box.offer(item("c", 1, 3, 1))).toBe(false);
    box.force(item("control", null));
    expect(box.size).toBe(3);
    expect([box.shift()?.frame.text, box.shift()?.frame.text, box.shift()?.frame.text, box.shift()]).toEqual(["a", "b", "control", undefined]);
  });

  it("refuses live frames past its byte limit, except into an empty queue", () => {
    const box = new Outbox({ maxFrames: 100, maxBytes: 10 });
    expect(box.offer(item("x".repeat(50), 1))).toBe(true);
    expect(box.offer(item("y", 1))).toBe(false);
    box.shift();
    expect(box.bytes).toBe(0);
    expect(box.offer(item("y".repeat(10), 1))).toBe(true);
  });

  it("drops one study's frames and counts their events", () => {
    const box = new Outbox({ maxFrames: 10, maxBytes: 1 << 20 });
    box.offer(item("a1", 1, 3, 3));
    box.offer(item("b1", 2, 1, 1));
    box.force(item("ctl", null));
    box.offer(item("a2", 1, 5, 2));
    expect(box.dropStudy(1)).toBe(5);
    expect([box.shift()?.frame.text, box.shift()?.frame.text, box.shift()]).toEqual(["b1", "ctl", undefined]);
  });

  it("wakes catch-up waiters once it is at most half full", async () => {
    const box = new Outbox({ maxFrames: 4, maxBytes: 1 << 20 });
    for (let i = 0; i < 4; i++) box.offer(item(String(i), 1));
    let woke = false;
    const waiting = box.waitForRoom().then(() => (woke = true));
    box.shift();
    await Promise.resolve();
    expect(woke).toBe(false);
    box.shift();
    await waiting;
    expect(woke).toBe(true);
  });
});

describe("RecentEvents", () => {
  const ev = (seq: number): FeedEvent => ({ seq, type: "reported", trial: 0, payload: { step: seq, value: seq }, at: "" });

  it("serves what it holds and says when it does not reach back far enough", () => {
    const recent = new RecentEvents(3);
    recent.append([ev(5), ev(6)]);
    recent.append([ev(7)]);
    expect(recent.after(4, 10)?.map((e) => e.seq)).toEqual([5, 6, 7]);
    expect(recent.after(6, 10)?.map((e) => e.seq)).toEqual([7]);
    expect(recent.after(7, 10)).toEqual([]);
    expect(recent.after(3, 10)).toBeNull();
    expect(recent.after(4, 2)?.map((e) => e.seq)).toEqual([5, 6]);
  });

  it("forgets the oldest events beyond its capacity and restarts after a gap", () => {
    const recent = new RecentEvents(2);
    recent.append([1, 2, 3, 4, 5].map(ev));
    expect(recent.after(0, 10)).toBeNull();
    expect(recent.after(3, 10)?.map((e) => e.seq)).toEqual([4, 5]);
    recent.append([ev(9)]);
    expect(recent.after(8, 10)?.map((e) => e.seq)).toEqual([9]);
    expect(recent.after(5, 10)).toBeNull();
  });
});
