import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** One `machine` entry of a netrc file. */
export interface NetrcEntry {
  readonly login?: string;
  readonly password?: string;
}

/** Parses netrc text into entries by machine name (`default` keyed as ""). */
export function parseNetrc(text: string): Map<string, NetrcEntry> {
  const tokens = text.split(/\s+/).filter((t) => t !== "");
  const entries = new Map<string, NetrcEntry>();
  let machine: string | null = null;
  let entry: { login?: string; password?: string } = {};
  const commit = () => {
    if (machine !== null && !entries.has(machine)) entries.set(machine, entry);
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === "machine" || t === "default") {
      commit();
      machine = t === "default" ? "" : (tokens[++i] ?? "");
      entry = {};
    } else if (t === "login" || t === "password" || t === "account") {
      const value = tokens[++i];
      if (t !== "account" && value !== undefined) entry[t] = value;
    } else if (t === "macdef") {
      // A macro runs to the next blank line; none of it is credentials.
      commit();
      machine = null;
      break;
    }
  }
  commit();
  return entries;
}

/**
 * The W&B API key stored by `wandb login` in ~/.netrc (or $NETRC) for the API host:
 * `machine api.wandb.ai login user password <key>`. Returns undefined when absent.
 */
export function apiKeyFromNetrc(baseUrl: string, netrcPath?: string): string | undefined {
  const path = netrcPath ?? join(homedir(), ".netrc");
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  const url = new URL(baseUrl);
  const entries = parseNetrc(text);
  const entry = entries.get(url.host) ?? entries.get(url.hostname) ?? entries.get("");
  return entry?.password || undefined;
}
