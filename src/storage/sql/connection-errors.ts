const CONNECTION_ERROR_CODES = new Set(["57P01", "57P02", "57P03", "08000", "08001", "08003", "08004", "08006", "ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENOTCONN"]);

/** Whether an error means the server could not be reached or dropped the connection. */
export function isConnectionError(e: unknown): boolean {
  if (typeof e !== "object" || e === null) return false;
  const err = e as { code?: string; message?: string; errors?: unknown[] };
  if (err.code && CONNECTION_ERROR_CODES.has(err.code)) return true;
  if (err.errors?.some(isConnectionError)) return true;
  // kysely discards a connection whose ROLLBACK failed (it broke mid-transaction), and says so on its next use.
  return /Connection terminated|Postgres connection has been discarded|connection timeout|timeout exceeded when trying to connect|terminating connection|Client has encountered a connection error|the database system is (starting up|shutting down)/i.test(err.message ?? "");
}
