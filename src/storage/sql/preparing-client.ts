import pg from "pg";
import { PREPARED_MARK } from "./server-call.ts";

/**
 * A node-postgres client that sends a statement marked `/*hpo:<name>*\/` (server-call.ts) as
 * a named prepared statement: the connection parses and plans it once, then only binds and
 * runs it. hpo's reads and writes of a trial are a few fixed statements run thousands of
 * times, and planning them cost about as much server CPU as running them. Unmarked
 * statements (migrations, listings, anything whose text varies) go as before.
 */
export class PreparingClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    const send = this.query.bind(this) as (...args: unknown[]) => unknown;
    // query() has a dozen overloads; only (text, values) with a marked text changes.
    this.query = ((...args: unknown[]) => {
      const [text, values] = args;
      const mark = typeof text === "string" && args.length <= 2 ? PREPARED_MARK.exec(text) : null;
      return mark ? send({ name: mark[1], text, values }) : send(...args);
    }) as pg.Client["query"];
  }
}
