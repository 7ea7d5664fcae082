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
    // query() has a dozen overloads; only (text, values[, callback]) with a marked text
    // changes (kysely passes no callback, pg-pool's query() does).
    this.query = ((...args: unknown[]) => {
      const [text, values, callback] = args;
      const plain = typeof text === "string" && (values === undefined || Array.isArray(values)) && args.length <= 3;
      const mark = plain ? PREPARED_MARK.exec(text as string) : null;
      if (!mark) return send(...args);
      const named = { name: mark[1], text, values };
      return typeof callback === "function" ? send(named, callback) : send(named);
    }) as pg.Client["query"];
  }
}
