import { join } from "node:path";
import type { Storage } from "../storage.ts";

/** The socket a process holding an embedded folder answers reads on, inside the folder. */
export function readSocketPath(folder: string): string {
  return join(folder, "hpo.sock");
}

/** Storage methods another process may call through the holder: reads only. */
export const READ_METHODS = ["findStudy", "listStudies", "countTrials", "getTrial", "getTrials", "headSeq", "readEvents"] as const satisfies readonly (keyof Storage)[];

/** A read method's name. */
export type ReadMethod = (typeof READ_METHODS)[number];

/** What a reader sends. */
export type ReaderMessage = { readonly call: ReadMethod; readonly id: number; readonly args: unknown[] } | { readonly watch: boolean };

/** What the holder answers. */
export type HolderMessage =
  | { readonly id: number; readonly value: unknown }
  | { readonly id: number; readonly error: string }
  | { readonly events: readonly [studyId: number, lastSeq: number] };
