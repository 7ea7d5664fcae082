import type { Tracker } from "../src/tracking/tracker.ts";

/** A `--tracker` spec that cannot be turned into a tracker; the message says why. */
export class TrackerSpecError extends Error {
  override readonly name = "TrackerSpecError";
}

/** The tracker names a spec may start with. */
export const TRACKER_SPEC_NAMES = ["console", "jsonl", "wandb"] as const;

/** A spec split into its tracker name and `key=value` options. */
export interface ParsedTrackerSpec {
  readonly name: string;
  readonly options: Readonly<Record<string, string>>;
}

/**
 * Splits `name` or `name:key=value,key=value` (a value may contain "=" but not ",").
 *
 * @example
 * parseTrackerSpec("wandb:project=foo,entity=bar") // { name: "wandb", options: { project: "foo", entity: "bar" } }
 */
export function parseTrackerSpec(spec: string): ParsedTrackerSpec {
  const trimmed = spec.trim();
  const colon = trimmed.indexOf(":");
  const name = (colon < 0 ? trimmed : trimmed.slice(0, colon)).trim().toLowerCase();
  if (name === "") throw new TrackerSpecError(`--tracker "${spec}": missing tracker name (one of ${TRACKER_SPEC_NAMES.join(", ")})`);
  const options: Record<string, string> = {};
  const rest = colon < 0 ? "" : trimmed.slice(colon + 1);
  for (const part of rest.split(",")) {
    if (part.trim() === "") continue;
    const eq = part.indexOf("=");
    if (eq <= 0) throw new TrackerSpecError(`--tracker "${spec}": "${part}" is not key=value`);
    const key = part.slice(0, eq).trim();
    if (key in options) throw new TrackerSpecError(`--tracker "${spec}": "${key}" is given twice`);
    options[key] = part.slice(eq + 1).trim();
  }
  return { name, options };
}

/**
 * Builds a tracker from a CLI spec such as `wandb`, `wandb:project=foo,entity=bar,tags=a+b`,
 * `jsonl:path=runs/` or `console:bar=false`. Tracker modules are imported only when named,
 * so the CLI stays light. Invalid specs and options throw a TrackerSpecError.
 */
export async function trackerFromSpec(spec: string): Promise<Tracker> {
  const { name, options } = parseTrackerSpec(spec);
  try {
    switch (name) {
      case "wandb": {
        const { wandb, wandbOptionsFromSpec } = await import("./wandb/index.ts");
        return wandb(wandbOptionsFromSpec(options));
      }
      case "jsonl": {
        const { jsonl, jsonlOptionsFromSpec } = await import("./jsonl/index.ts");
        return jsonl(jsonlOptionsFromSpec(options));
      }
      case "console": {
        const { consoleTracker } = await import("./console/index.ts");
        const unknown = Object.keys(options).filter((k) => k !== "bar");
        if (unknown.length) throw new TypeError(`console: unknown option ${unknown.map((k) => `"${k}"`).join(", ")} (only bar=true|false)`);
        if (options.bar !== undefined && options.bar !== "true" && options.bar !== "false") throw new TypeError("console: bar must be true or false");
        return consoleTracker(options.bar === undefined ? {} : { bar: options.bar === "true" });
      }
      default:
        throw new TrackerSpecError(`--tracker "${spec}": unknown tracker "${name}" (one of ${TRACKER_SPEC_NAMES.join(", ")})`);
    }
  } catch (e) {
    if (e instanceof TrackerSpecError) throw e;
    throw new TrackerSpecError(`--tracker "${spec}": ${(e as Error).message}`);
  }
}
