import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStudy, floatDistribution, UnstorableDataError, type FrozenTrial, type Storage } from "hpo";
import { BACKENDS, openBackend, readStudyTrials, uniqueName } from "../support/backends.ts";
import { startHpo } from "../support/run-hpo.ts";
import { PILLS, poisonObjective } from "./support/poison-objective.ts";

const PG = process.env.HPO_TEST_DATABASE_URL;

/** Every trial ended; each pill's trial FAIL with its one-line reason, healthy ones COMPLETE. */
function checkPoisonedStudy(trials: readonly FrozenTrial[], n: number): void {
  expect(trials).toHaveLength(n);
  for (const t of trials) {
    const pill = PILLS[t.number % PILLS.length];
    if (pill.name === "healthy") {
      expect(t.state, `trial ${t.number}`).toBe("COMPLETE");
      // What JSON keeps, on every storage: a Date as its ISO text, undefined members left out.
      expect(t.userAttrs.ok).toEqual({ when: "1970-01-01T00:00:00.000Z", list: [null, 1] });
      continue;
    }
    expect(t.state, `trial ${t.number} (${pill.name})`).toBe("FAIL");
    const reason = String(t.systemAttrs.fail_reason);
    expect(reason, pill.name).toMatch(pill.reason);
    expect(reason).not.toContain("\n");
    expect(t.systemAttrs.retry_of).toBeUndefined();
  }
}

describe.each(BACKENDS)("bad trial data on %s", (backend) => {
  let storage: Storage;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ storage, cleanup } = await openBackend(backend));
  });
  afterAll(() => cleanup());

  it("the storage refuses each bad input with one line naming the field, and stores nothing of it", async () => {
    const s = await storage.createStudy(uniqueName("unstorable"), ["minimize"]);
    const t = await storage.createTrial(s.studyId, { state: "RUNNING" });
    const circular: Record<string, unknown> = {};
    circular.me = circular;
    const bad: [string, () => Promise<unknown>, RegExp][] = [
      ["circular", () => storage.updateTrial(t.trialId, { userAttrs: { c: circular as never } }), /user attr "c": .*circular reference at \.me/],
      ["BigInt", () => storage.updateTrial(t.trialId, { userAttrs: { b: 1n as never } }), /user attr "b": .*found a BigInt/],
      ["function", () => storage.updateTrial(t.trialId, { systemAttrs: { f: (() => 1) as never } }), /system attr "f": .*found a function/],
      ["undefined", () => storage.updateTrial(t.trialId, { userAttrs: { u: undefined as never } }), /user attr "u": .*found undefined/],
      ["NUL attr name", () => storage.updateTrial(t.trialId, { userAttrs: { "a\u0000": 1 } }), /user attr name "a\\u0000": expected no NUL/],
      ["lone surrogate name", () => storage.updateTrial(t.trialId, { userAttrs: { "\uD800": 1 } }), /expected well-formed Unicode/],
      ["NUL param name", () => storage.updateTrial(t.trialId, { params: [{ name: "p\u0000", distribution: floatDistribution(0, 1), internal: 0.5 }] }), /param name "p\\u0000"/],
      ["step 2^31", () => storage.updateTrial(t.trialId, { intermediateValues: [{ step: 2 ** 31, value: 1 }] }), /expected the step to be an integer from 0 to 2147483647, found 2147483648/],
      ["negative step", () => storage.updateTrial(t.trialId, { intermediateValues: [{ step: -1, value: 1 }] }), /found -1$/],
      ["study attr", () => storage.setStudyAttrs(s.studyId, "user", { k: circular as never }), /study user attr "k": .*circular/],
      ["new trial attr", () => storage.createTrial(s.studyId, { state: "WAITING", userAttrs: { k: 2n as never } }), /new trial: user attr "k": .*BigInt/],
      ["study name", () => storage.createStudy("a\u0000b", ["minimize"]), /study name "a\\u0000b": expected no NUL/],
    ];
    for (const [what, write, message] of bad) {
      const error = await write().then(() => null, (e: unknown) => e);
      expect(error, what).toBeInstanceOf(UnstorableDataError);
      expect((error as Error).message, what).toMatch(message);
      expect((error as Error).message).not.toContain("\n");
    }
    // The trial is untouched and still takes good data, at the largest step there is.
    await storage.updateTrial(t.trialId, { intermediateValues: [{ step: 2 ** 31 - 1, value: 1 }], userAttrs: { d: new Date(0) as never, o: { gone: undefined, a: [undefined] } as never } });
    await storage.updateTrial(t.trialId, { finish: { state: "COMPLETE", values: [1] } });
    const stored = (await storage.getTrial(t.trialId))!;
    expect(stored.state).toBe("COMPLETE");
    expect([...stored.intermediateValues.keys()]).toEqual([2 ** 31 - 1]);
    expect(stored.userAttrs).toEqual({ d: "1970-01-01T00:00:00.000Z", o: { a: [null] } });
    expect(stored.params).toEqual({});
    expect((await storage.getTrials(s.studyId)).trials).toHaveLength(1);
  });

  it("a poison-pill trial fails with its reason and the study goes on", async () => {
    const n = PILLS.length * 2;
    const study = await createStudy({ studyName: uniqueName("poison"), storage });
    const result = await study.optimize(poisonObjective, { nTrials: n, catch: true });
    expect(result.finished).toBe(n);
    checkPoisonedStudy(await study.trials(), n);
    await study.close();
  });
});

describe.runIf(PG)("poison-pill study on PostgreSQL", { timeout: 300_000 }, () => {
  it("three hpo worker processes survive every pill; the study completes", async () => {
    const name = uniqueName("poison-workers");
    const dir = mkdtempSync(join(tmpdir(), "hpo-poison-"));
    const file = join(dir, "study.ts");
    const n = PILLS.length * 3;
    writeFileSync(
      file,
      `import { defineStudy } from "hpo";
import { poisonObjective } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, "support", "poison-objective.ts")).href)};
export default defineStudy({ name: ${JSON.stringify(name)}, nTrials: ${n}, heartbeatInterval: 0.5, objective: poisonObjective });
`,
    );
    const workers = await Promise.all([0, 1, 2].map(() => startHpo(["worker", file, "--storage", PG!, "--quiet"]).done));
    expect(workers.map((w) => w.code), workers.map((w) => w.stderr).join("\n---\n")).toEqual([0, 0, 0]);
    checkPoisonedStudy(await readStudyTrials(PG!, name), n);
  });
});
