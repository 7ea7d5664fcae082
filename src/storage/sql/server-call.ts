import { CompiledQuery } from "kysely";

/**
 * Statements hpo sends many times per trial, written once as fixed text: a call of a server
 * function spells every argument's name (PostgreSQL's named notation) and takes its values
 * from the same list, so no argument can shift; the text is marked with its name, so that a
 * PostgreSQL connection parses and plans it once instead of on every call (see
 * preparing-client.ts; elsewhere the mark is a comment).
 */

/**
 * Runs one compiled statement: a kysely instance or transaction, or the storage's direct
 * path to its connections (SqlStorageOptions.direct), which skips kysely's per-call work
 * for the statements a trial sends many times.
 */
export interface SqlExecutor {
  executeQuery<R>(query: CompiledQuery<R>): Promise<{ readonly rows: R[] }>;
}

/** The PostgreSQL types of the arguments, and what a caller passes for each. */
export interface SqlArgumentTypes {
  bigint: number | null;
  integer: number | null;
  text: string | null;
  "text[]": readonly string[];
  "float8[]": readonly number[];
  "integer[]": readonly (number | null)[];
}

/** A name for a prepared statement: lowercase letters, digits and underscores. */
const STATEMENT_NAME = /^[a-z][a-z0-9_]*$/;

/** The mark that names a statement to prepare, at the start of its text. */
export const PREPARED_MARK = /^\/\*hpo:([a-z][a-z0-9_]*)\*\//;

/** `text` marked as the statement `name` (a connection that prepares statements plans it once). */
export function preparedText(name: string, text: string): string {
  if (!STATEMENT_NAME.test(name)) throw new Error(`statement name "${name}": expected lowercase letters, digits and underscores`);
  return `/*hpo:${name}*/ ${text.replace(/\s+/g, " ").trim()}`;
}

/** A fixed statement with positional parameters, prepared under `name`. */
export function preparedStatement(name: string, text: string): (parameters: readonly unknown[]) => CompiledQuery {
  const marked = preparedText(name, text);
  return (parameters) => CompiledQuery.raw(marked, [...parameters]);
}

/**
 * A call of the server function `fn` with named arguments `args` (name → type); `wrap`
 * places the call in its statement (default `SELECT * FROM <call>`). Returns the builder of
 * one call from a record with a value for each argument.
 *
 * @example
 * const flush = serverCall("hpo_flush_trial", { p_trial: "bigint" }, (call) => `SELECT ${call}`);
 * await db.executeQuery(flush({ p_trial: 42 }));
 */
export function serverCall<A extends Readonly<Record<string, keyof SqlArgumentTypes>>>(
  fn: string,
  args: A,
  wrap: (call: string) => string = (call) => `SELECT * FROM ${call}`,
): (values: { readonly [K in keyof A]: SqlArgumentTypes[A[K]] }) => CompiledQuery {
  const names = Object.keys(args) as (keyof A & string)[];
  const call = `${fn}(${names.map((n, i) => `${n} => $${i + 1}::${args[n]}`).join(", ")})`;
  const statement = preparedStatement(fn, wrap(call));
  return (values) => statement(names.map((n) => values[n]));
}
