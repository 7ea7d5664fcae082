import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { packageRoot } from "./package-root.ts";

/** An optional peer dependency that a subpath needs is not installed. */
export class PeerDependencyError extends Error {
  override name = "PeerDependencyError";
  constructor(message: string) {
    super(message);
    // One line is the whole story: where inside hpo it was noticed does not help the user.
    this.stack = `${this.name}: ${message}`;
  }
}

function resolvable(name: string): boolean {
  try {
    import.meta.resolve(name);
    return true;
  } catch {
    try {
      createRequire(import.meta.url).resolve(name);
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * Throws one line naming the install command when any of the optional peer dependencies
 * `subpath` (e.g. "hpo/captioner") needs is missing; versions come from package.json.
 */
export function requirePeerDependencies(subpath: string, names: readonly string[]): void {
  const missing = names.filter((n) => !resolvable(n));
  if (missing.length === 0) return;
  const peers = (JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { peerDependencies?: Record<string, string> }).peerDependencies ?? {};
  const specs = names.map((n) => (peers[n] ? `${n}@${JSON.stringify(peers[n]).slice(1, -1)}` : n));
  throw new PeerDependencyError(`${subpath} needs ${missing.join(", ")}, not installed: npm install ${specs.join(" ")}`);
}

/** The optional peers of hpo/captioner (TensorFlow.js, its WebAssembly backend, sharp for photos). */
export const CAPTIONER_PEERS = ["@tensorflow/tfjs", "@tensorflow/tfjs-backend-wasm", "sharp"] as const;
