import { StorageError } from "../storage-errors.ts";

// The SQLSTATE codes the SQL storage reacts to, in one place.

/** Errors our SQL functions raise on purpose (RAISE EXCEPTION) become StorageErrors with their message. */
export function rethrowRaised(e: unknown): never {
  const code = typeof e === "object" && e !== null ? (e as { code?: string }).code : undefined;
  if (code === "P0001" || code === "P0002") throw new StorageError((e as Error).message);
  throw e;
}

/** Whether a database error is a unique-constraint violation (SQLSTATE 23505). */
export function isUniqueViolation(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { code?: string }).code === "23505";
}
