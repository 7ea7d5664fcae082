import type { AttrValue } from "../vocabulary/frozen-trial.ts";
import type { NewTrial, ParamWrite, TrialPatch } from "./storage.ts";
import { UnstorableDataError } from "./storage-errors.ts";
import { conflictingParam } from "./storage-protocol.ts";

/**
 * The one place that decides what a storage can hold. A trial's own data (attrs, param
 * names, report steps) is checked here by the Trial as it is handed over (so the objective
 * sees the error where it made it and that trial fails), and again by every storage as it is
 * written (memory and SQL then accept and reject the same inputs). Attr values are stored as
 * the copy returned here: what JSON keeps of them, so every storage reads back the same data.
 */

/** The largest report step: steps are PostgreSQL `integer`s. */
export const MAX_REPORT_STEP = 2 ** 31 - 1;

/** How deep attr values may nest (JSON.stringify itself overflows the stack at a few thousand). */
const MAX_DEPTH = 256;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Checks a name that is stored as a database text value (attr key, param name, study name). */
export function checkStorableName(what: string, name: unknown): string {
  if (typeof name !== "string") throw new UnstorableDataError(`${what}: expected a string, found ${describeKind(name)}`);
  const nul = name.indexOf("\u0000");
  if (nul >= 0) throw new UnstorableDataError(`${what} ${quoteName(name)}: expected no NUL character, found one at position ${nul}`);
  if (LONE_SURROGATE.test(name)) throw new UnstorableDataError(`${what} ${quoteName(name)}: expected well-formed Unicode, found a lone surrogate`);
  return name;
}

/** Checks a report step: an integer in [0, 2^31 − 1]. */
export function checkReportStep(what: string, step: unknown): number {
  if (typeof step !== "number" || !Number.isInteger(step) || step < 0 || step > MAX_REPORT_STEP) {
    throw new UnstorableDataError(`${what}: expected the step to be an integer from 0 to ${MAX_REPORT_STEP}, found ${describeNumberish(step)}`);
  }
  return step;
}

/**
 * Checks an attr value and returns the copy to store: null, booleans, numbers (NaN and
 * ±Infinity included), strings, arrays and plain objects. As JSON does, `toJSON()` is used
 * (a Date becomes its ISO string), an undefined object member is left out and an undefined
 * array element becomes null; anything JSON would drop or garble silently is refused.
 */
export function storableAttrValue(what: string, value: unknown): AttrValue {
  if (value === undefined) throw new UnstorableDataError(`${what}: expected JSON-compatible data, found undefined`);
  return copyValue(what, value, "", new Set(), 0);
}

/** Checks every key and value of an attrs record; returns the copy to store. */
export function storableAttrs(what: string, attrs: Readonly<Record<string, unknown>> | undefined): Record<string, AttrValue> | undefined {
  if (attrs === undefined) return undefined;
  const out: Record<string, AttrValue> = {};
  for (const key of Object.keys(attrs)) {
    checkStorableName(`${what} name`, key);
    out[key] = storableAttrValue(`${what} ${quoteName(key)}`, attrs[key]);
  }
  return out;
}

/** Checks a trial patch as a storage receives it; returns the copy to store. */
export function storablePatch(trialId: number, patch: TrialPatch): TrialPatch {
  const what = `trial id ${trialId}`;
  return {
    ...patch,
    params: patch.params?.map((p) => storableParam(what, p)),
    intermediateValues: patch.intermediateValues?.map((r) => {
      checkReportStep(`${what}: report`, r.step);
      if (typeof r.value !== "number") throw new UnstorableDataError(`${what}: report at step ${r.step}: expected a number value, found ${describeKind(r.value)}`);
      return r;
    }),
    metrics: patch.metrics?.map((m) => {
      checkReportStep(`${what}: metric`, m.step);
      checkStorableName(`${what}: metric name`, m.name);
      if (typeof m.value !== "number") throw new UnstorableDataError(`${what}: metric ${quoteName(m.name)} at step ${m.step}: expected a number value, found ${describeKind(m.value)}`);
      return m;
    }),
    userAttrs: storableAttrs(`${what}: user attr`, patch.userAttrs),
    systemAttrs: storableAttrs(`${what}: system attr`, patch.systemAttrs),
  };
}

/** Checks a new trial as a storage receives it; returns the copy to store. */
export function storableNewTrial(trial: NewTrial): NewTrial {
  const what = "new trial";
  const params = trial.params?.map((p) => storableParam(what, p));
  const twice = conflictingParam([], params ?? []);
  if (twice !== null) throw new UnstorableDataError(`${what}: param ${quoteName(twice)} is given twice, with different values or distributions`);
  return {
    ...trial,
    params,
    userAttrs: storableAttrs(`${what}: user attr`, trial.userAttrs),
    systemAttrs: storableAttrs(`${what}: system attr`, trial.systemAttrs),
  };
}

function storableParam(what: string, p: ParamWrite): ParamWrite {
  checkStorableName(`${what}: param name`, p.name);
  if (typeof p.internal !== "number") throw new UnstorableDataError(`${what}: param ${quoteName(p.name)}: expected a number, found ${describeKind(p.internal)}`);
  return p;
}

function copyValue(what: string, value: unknown, path: string, ancestors: Set<object>, depth: number): AttrValue {
  const where = () => (path ? ` at ${path}` : "");
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
      return value;
    case "bigint":
      throw new UnstorableDataError(`${what}: expected JSON-compatible data, found a BigInt${where()} (convert it to a number or a string)`);
    case "function":
    case "symbol":
      throw new UnstorableDataError(`${what}: expected JSON-compatible data, found a ${typeof value}${where()}`);
    case "undefined":
      return null; // only reached for array elements, as JSON writes them
  }
  if (value === null) return null;
  const obj = value as object;
  if (ancestors.has(obj)) throw new UnstorableDataError(`${what}: expected JSON-compatible data, found a circular reference${where()}`);
  if (depth >= MAX_DEPTH) throw new UnstorableDataError(`${what}: expected data nested at most ${MAX_DEPTH} levels deep, found deeper nesting${where()}`);
  ancestors.add(obj);
  try {
    const toJSON = readMember(what, obj, "toJSON", path);
    if (typeof toJSON === "function") {
      let replaced: unknown;
      try {
        replaced = (toJSON as (key: string) => unknown).call(obj, "");
      } catch (e) {
        throw new UnstorableDataError(`${what}: its toJSON() threw${where()}: ${describeThrownBriefly(e)}`);
      }
      if (replaced === undefined) throw new UnstorableDataError(`${what}: expected JSON-compatible data, found a toJSON() that returns undefined${where()}`);
      return copyValue(what, replaced, path, ancestors, depth + 1);
    }
    if (Array.isArray(obj)) {
      const out: AttrValue[] = [];
      for (let i = 0; i < obj.length; i++) out.push(copyValue(what, readMember(what, obj, i, path), `${path}[${i}]`, ancestors, depth + 1));
      return out;
    }
    const tag = Object.prototype.toString.call(obj);
    if (tag !== "[object Object]") {
      throw new UnstorableDataError(`${what}: expected JSON-compatible data, found a ${tag.slice(8, -1)}${where()} (JSON would store it as {} or lose its contents)`);
    }
    const out: Record<string, AttrValue> = {};
    for (const key of Object.keys(obj)) {
      const member = readMember(what, obj, key, path);
      // As JSON: an undefined member is left out; a function or symbol member is refused
      // (JSON would drop it without a word).
      if (member === undefined) continue;
      out[key] = copyValue(what, member, `${path}.${key}`, ancestors, depth + 1);
    }
    return out;
  } finally {
    ancestors.delete(obj);
  }
}

function readMember(what: string, obj: object, key: string | number, path: string): unknown {
  try {
    return (obj as Record<string | number, unknown>)[key];
  } catch (e) {
    throw new UnstorableDataError(`${what}: reading ${path}${typeof key === "number" ? `[${key}]` : `.${key}`} threw: ${describeThrownBriefly(e)}`);
  }
}

function describeThrownBriefly(e: unknown): string {
  try {
    return e instanceof Error ? e.message : String(e);
  } catch {
    return "(an error that cannot be printed)";
  }
}

function describeKind(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "string") return `a string (${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)})`;
  return `a value of type ${typeof v}`;
}

function describeNumberish(v: unknown): string {
  return typeof v === "number" || typeof v === "bigint" ? `${String(v)}${typeof v === "bigint" ? "n" : ""}` : describeKind(v);
}

/** A name quoted for a message: control characters escaped, long names cut. */
function quoteName(name: string): string {
  const shown = name.length > 60 ? `${name.slice(0, 60)}…` : name;
  return JSON.stringify(shown);
}
