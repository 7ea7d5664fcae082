import type { Migration } from "kysely";
import * as m0001 from "./0001-initial-schema.ts";
import * as m0002 from "./0002-retries-and-checkpoints.ts";
import * as m0003 from "./0003-budget-counter-and-event-function.ts";
import * as m0004 from "./0004-single-statement-trial-writes.ts";
import * as m0005 from "./0005-named-metrics.ts";
import * as m0006 from "./0006-one-trial-insert.ts";
import * as m0007 from "./0007-finished-trial-data.ts";
import * as m0008 from "./0008-finish-in-one-call.ts";
import * as m0009 from "./0009-finish-and-claim-next.ts";

/**
 * Forward-only, numbered migrations, applied in order when a storage opens. Listed here
 * (not discovered on disk) so they load the same under tsx, vitest and a bundler.
 */
export const migrations: Readonly<Record<string, Migration>> = {
  "0001-initial-schema": m0001,
  "0002-retries-and-checkpoints": m0002,
  "0003-budget-counter-and-event-function": m0003,
  "0004-single-statement-trial-writes": m0004,
  "0005-named-metrics": m0005,
  "0006-one-trial-insert": m0006,
  "0007-finished-trial-data": m0007,
  "0008-finish-in-one-call": m0008,
  "0009-finish-and-claim-next": m0009,
};
