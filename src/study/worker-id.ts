import { randomBytes } from "node:crypto";
import { hostname } from "node:os";

let id: string | null = null;

/** This process's worker id (host:pid:random), recorded on the trials it runs. */
export function workerId(): string {
  id ??= `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  return id;
}
