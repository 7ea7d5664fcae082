import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parseWandbJson } from "hpo/trackers/wandb";

/**
 * An HTTP server implementing the two W&B endpoints a run uses, as the W&B SDK drives them:
 * `POST /graphql` (the `upsertBucket` mutation, whose input fields are read from the query
 * text, as a GraphQL server would) and `POST /files/{entity}/{project}/{run}/file_stream`
 * (`files` chunks by offset, `complete`/`exitcode`, heartbeats). Both check Basic auth
 * `api:<key>`. Runs are rebuilt from the requests; faults can be injected per route.
 */

/** A run as the server knows it after all requests. */
export interface RebuiltRun {
  readonly entity: string;
  readonly project: string;
  readonly name: string;
  group?: string;
  jobType?: string;
  displayName?: string;
  notes?: string;
  tags: string[];
  /** Config unwrapped from `{key: {value}}`. */
  config: Record<string, unknown>;
  /** History rows in line order (index = file_stream offset). */
  history: Record<string, unknown>[];
  summary: Record<string, unknown>;
  complete: boolean;
  exitCode: number | null;
  heartbeats: number;
}

/** A fault applied to the next matching request instead of serving it. */
export type Fault =
  | { readonly route: Route; readonly status: number; readonly headers?: Readonly<Record<string, string>>; readonly body?: string }
  | { readonly route: Route; readonly hang: true }
  | { readonly route: "graphql"; readonly graphqlError: string };

type Route = "graphql" | "file_stream";

/** One request as served (for timing checks such as honouring RateLimit-Reset). */
export interface ServedRequest {
  readonly route: Route;
  /** `entity/project/run` for file_stream requests. */
  readonly run?: string;
  readonly status: number | "hang";
  /** When the request arrived (before its body was read). */
  readonly arrivedAt: number;
  /** When it was answered. */
  readonly at: number;
}

export class FakeWandbServer {
  readonly #server: Server;
  readonly #apiKey: string;
  readonly #defaultEntity: string;
  readonly #runs = new Map<string, RebuiltRun>();
  readonly #faults: Fault[] = [];
  readonly #arrivals = new WeakMap<ServerResponse, number>();
  /** Protocol misuse seen (gaps in history offsets, posts after complete, bad input). */
  readonly violations: string[] = [];
  readonly served: ServedRequest[] = [];
  baseUrl = "";

  private constructor(apiKey: string, defaultEntity: string) {
    this.#apiKey = apiKey;
    this.#defaultEntity = defaultEntity;
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  /** Starts on 127.0.0.1 with a random port. */
  static async start(options: { apiKey: string; defaultEntity?: string }): Promise<FakeWandbServer> {
    const s = new FakeWandbServer(options.apiKey, options.defaultEntity ?? "default-entity");
    await new Promise<void>((resolve) => s.#server.listen(0, "127.0.0.1", resolve));
    s.baseUrl = `http://127.0.0.1:${(s.#server.address() as AddressInfo).port}`;
    return s;
  }

  /** Queues faults; each one replaces the next request on its route. */
  inject(...faults: Fault[]): void {
    this.#faults.push(...faults);
  }

  /** Faults not yet consumed. */
  get pendingFaults(): number {
    return this.#faults.length;
  }

  /** Every run, in creation order. */
  runs(): RebuiltRun[] {
    return [...this.#runs.values()];
  }

  /** The runs of one group, ordered by display name's trial number. */
  group(name: string): RebuiltRun[] {
    return this.runs()
      .filter((r) => r.group === name)
      .sort((a, b) => trialNo(a) - trialNo(b));
  }

  /** Stops the server, cutting hanging connections. */
  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.#arrivals.set(res, Date.now());
    const body = await readBody(req);
    const url = new URL(req.url ?? "/", "http://x");
    const fileStream = /^\/files\/([^/]+)\/([^/]+)\/([^/]+)\/file_stream$/.exec(url.pathname);
    const route: Route | null = url.pathname === "/graphql" ? "graphql" : fileStream ? "file_stream" : null;
    if (req.method !== "POST" || !route) return this.#reply(res, route ?? "graphql", 404, { error: "not found" });
    const runKey = fileStream ? fileStream.slice(1).map(decodeURIComponent).join("/") : undefined;

    const faultAt = this.#faults.findIndex((f) => f.route === route);
    if (faultAt >= 0) {
      const [fault] = this.#faults.splice(faultAt, 1);
      if ("hang" in fault) {
        this.served.push({ route, status: "hang", arrivedAt: this.#arrivals.get(res)!, at: Date.now(), run: runKey });
        return; // never answer; the client must time out
      }
      if ("graphqlError" in fault) return this.#reply(res, route, 200, { errors: [{ message: fault.graphqlError }], data: null });
      return this.#reply(res, route, fault.status, fault.body ?? JSON.stringify({ error: `injected ${fault.status}` }), fault.headers, runKey);
    }

    if (req.headers.authorization !== `Basic ${Buffer.from(`api:${this.#apiKey}`).toString("base64")}`) {
      return this.#reply(res, route, 401, { errors: [{ message: "user is not logged in" }] });
    }
    let json: unknown;
    try {
      json = parseWandbJson(body);
    } catch {
      this.violations.push(`${route}: body is not JSON`);
      return this.#reply(res, route, 400, { error: "invalid JSON" });
    }
    if (route === "graphql") return this.#graphql(res, json as GraphqlRequest);
    return this.#fileStream(res, runKey!, json as FileStreamRequest);
  }

  #graphql(res: ServerResponse, request: GraphqlRequest): void {
    const query = request.query ?? "";
    const vars = request.variables ?? {};
    const inputBlock = /upsertBucket\s*\(\s*input\s*:\s*\{([^}]*)\}/.exec(query);
    if (!inputBlock) return this.#reply(res, "graphql", 200, { errors: [{ message: "unsupported operation" }] });
    const declared = new Set([...query.matchAll(/\$(\w+)\s*:/g)].map((m) => m[1]));
    const input: Record<string, unknown> = {};
    for (const [, field, variable] of inputBlock[1].matchAll(/(\w+)\s*:\s*\$(\w+)/g)) {
      if (!declared.has(variable)) return this.#reply(res, "graphql", 200, { errors: [{ message: `Variable "$${variable}" is not defined` }] });
      if (vars[variable] !== undefined && vars[variable] !== null) input[field] = vars[variable];
    }
    const name = input.name;
    const project = input.modelName;
    if (typeof name !== "string" || typeof project !== "string") {
      return this.#reply(res, "graphql", 200, { errors: [{ message: "upsertBucket needs name and modelName" }] });
    }
    const entity = typeof input.entityName === "string" ? input.entityName : this.#defaultEntity;
    const key = `${entity}/${project}/${name}`;
    const inserted = !this.#runs.has(key);
    const run: RebuiltRun = this.#runs.get(key) ?? {
      entity, project, name, tags: [], config: {}, history: [], summary: {}, complete: false, exitCode: null, heartbeats: 0,
    };
    if (typeof input.groupName === "string") run.group = input.groupName;
    if (typeof input.jobType === "string") run.jobType = input.jobType;
    if (typeof input.displayName === "string") run.displayName = input.displayName;
    if (typeof input.notes === "string") run.notes = input.notes;
    if (Array.isArray(input.tags)) run.tags = input.tags.map(String);
    if (input.config !== undefined) {
      if (typeof input.config !== "string") {
        this.violations.push("config is not a JSONString");
      } else {
        const wrapped = parseWandbJson(input.config) as Record<string, unknown>;
        run.config = {};
        for (const [k, v] of Object.entries(wrapped)) {
          if (typeof v !== "object" || v === null || !("value" in v)) this.violations.push(`config.${k} is not {value}`);
          else run.config[k] = (v as { value: unknown }).value;
        }
      }
    }
    this.#runs.set(key, run);
    this.#reply(res, "graphql", 200, {
      data: {
        upsertBucket: {
          bucket: { id: Buffer.from(`Run:${key}`).toString("base64"), name, displayName: run.displayName ?? name, project: { name: project, entity: { name: entity } } },
          inserted,
        },
      },
    });
  }

  #fileStream(res: ServerResponse, key: string, request: FileStreamRequest): void {
    const run = this.#runs.get(key);
    if (!run) return this.#reply(res, "file_stream", 404, { error: `run ${key} not found` }, {}, key);
    if (run.complete) this.violations.push(`${key}: post after complete`);
    for (const [file, chunk] of Object.entries(request.files ?? {})) {
      if (file === "wandb-history.jsonl") {
        if (chunk.offset > run.history.length) this.violations.push(`${key}: history gap at offset ${chunk.offset}`);
        chunk.content.forEach((line, i) => (run.history[chunk.offset + i] = parseWandbJson(line) as Record<string, unknown>));
      } else if (file === "wandb-summary.json") {
        run.summary = parseWandbJson(chunk.content[chunk.content.length - 1]) as Record<string, unknown>;
      }
    }
    if (request.complete === true) {
      run.complete = true;
      run.exitCode = typeof request.exitcode === "number" ? request.exitcode : null;
    } else if (!request.files && request.complete === false) {
      run.heartbeats++;
    }
    this.#reply(res, "file_stream", 200, { exitcode: null, limits: {} }, {}, key);
  }

  #reply(res: ServerResponse, route: Route, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}, run?: string): void {
    this.served.push({ route, status, arrivedAt: this.#arrivals.get(res) ?? Date.now(), at: Date.now(), ...(run && { run }) });
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(typeof body === "string" ? body : JSON.stringify(body));
  }
}

interface GraphqlRequest {
  readonly query?: string;
  readonly variables?: Record<string, unknown>;
}

interface FileStreamRequest {
  readonly files?: Record<string, { offset: number; content: string[] }>;
  readonly complete?: boolean;
  readonly exitcode?: number;
  readonly failed?: boolean;
}

function trialNo(r: RebuiltRun): number {
  return Number(/(\d+)$/.exec(r.displayName ?? "")?.[1] ?? NaN);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
