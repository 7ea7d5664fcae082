import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import type { FeedHub } from "../feed/feed-hub.ts";
import { studyToFeed, summaryToFeed, trialToFeed } from "../feed/feed-json.ts";
import { FEED_PROTOCOL_VERSION } from "../feed/feed-protocol.ts";
import { formatZodError } from "../internal/format-zod-error.ts";
import type { Storage } from "../storage/storage.ts";
import { sendError, sendJson } from "./http-json.ts";
import type { ImportanceCache } from "./importance-cache.ts";

const importanceQuery = z.object({
  seed: z.coerce.number().int().min(0).max(2 ** 32 - 1).default(0),
  objective: z.coerce.number().int().min(0).max(100).default(0),
});

/** What the REST routes read from. */
export interface ApiContext {
  readonly storage: Storage;
  readonly feed: FeedHub;
  readonly importance: ImportanceCache;
}

/**
 * The read-only REST API beside the feed (GET only):
 * /api/status, /api/studies, /api/studies/:name, /api/studies/:name/trials/:number,
 * /api/studies/:name/importance?seed=&objective=. Returns false for other paths.
 */
export async function serveApi(ctx: ApiContext, url: URL, _req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  let parts: string[];
  try {
    parts = url.pathname.split("/").slice(2).map(decodeURIComponent);
  } catch {
    sendError(res, 400, `malformed percent-encoding in ${url.pathname}`);
    return true;
  }
  if (parts.length === 1 && parts[0] === "status") {
    sendJson(res, 200, { protocol: FEED_PROTOCOL_VERSION, storage: { kind: ctx.storage.kind, location: ctx.storage.location }, feed: ctx.feed.stats });
    return true;
  }
  if (parts[0] !== "studies") return false;
  if (parts.length === 1) {
    sendJson(res, 200, { studies: (await ctx.storage.listStudies()).map(summaryToFeed) });
    return true;
  }
  const study = await ctx.storage.findStudy(parts[1]);
  if (!study) {
    sendError(res, 404, `no study named "${parts[1]}"`);
    return true;
  }
  if (parts.length === 2) {
    const { trials, version } = await ctx.storage.getTrials(study.studyId);
    sendJson(res, 200, { study: studyToFeed(study), seq: version, trials: trials.map(trialToFeed) });
    return true;
  }
  if (parts.length === 4 && parts[2] === "trials") {
    const number = Number(parts[3]);
    if (!Number.isInteger(number) || number < 0) {
      sendError(res, 400, `trial number must be a non-negative integer, got "${parts[3]}"`);
      return true;
    }
    // Trial numbers are dense from 0, so the trial is the one at that position.
    const { trials } = await ctx.storage.getTrials(study.studyId);
    const trial = trials.find((t) => t.number === number);
    if (!trial) sendError(res, 404, `study "${study.studyName}" has no trial ${number}`);
    else sendJson(res, 200, { study: study.studyName, trial: trialToFeed(trial) });
    return true;
  }
  if (parts.length === 3 && parts[2] === "importance") {
    const query = importanceQuery.safeParse(Object.fromEntries(url.searchParams));
    if (!query.success) {
      sendError(res, 400, formatZodError(query.error));
      return true;
    }
    if (query.data.objective >= study.directions.length) {
      sendError(res, 400, `objective: study "${study.studyName}" has ${study.directions.length} objective(s)`);
      return true;
    }
    const result = await ctx.importance.get(study, query.data.objective, query.data.seed);
    sendJson(res, 200, { study: study.studyName, ...result });
    return true;
  }
  return false;
}
