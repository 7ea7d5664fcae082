import type { WandbHttp } from "./wandb-http.ts";

/** A GraphQL error returned inside an HTTP 200 reply (`{"errors": [...]}`). */
export class WandbGraphqlError extends Error {
  override readonly name = "WandbGraphqlError";
}

/** What `upsertBucket` creates or updates: one W&B run. */
export interface UpsertRunInput {
  /** The run id (W&B calls it `name`). */
  readonly name: string;
  readonly project: string;
  readonly entity?: string;
  readonly groupName?: string;
  readonly jobType?: string;
  readonly displayName?: string;
  readonly notes?: string;
  readonly tags?: readonly string[];
  /** JSON string of `{key: {value}}`. */
  readonly config?: string;
}

/** Where the server put the run (the entity is filled in when we did not name one). */
export interface UpsertedRun {
  readonly name: string;
  readonly project: string;
  readonly entity: string;
}

// The mutation the W&B SDK sends to create or update a run (`upsertBucket`, a run being a
// "bucket" in the API), reduced to the inputs hpo sets.
const UPSERT_BUCKET = `mutation UpsertBucket(
  $name: String, $project: String, $entity: String, $groupName: String, $jobType: String,
  $displayName: String, $notes: String, $tags: [String!], $config: JSONString
) {
  upsertBucket(input: {
    name: $name, modelName: $project, entityName: $entity, groupName: $groupName,
    jobType: $jobType, displayName: $displayName, notes: $notes, tags: $tags, config: $config
  }) {
    bucket { id name displayName project { name entity { name } } }
    inserted
  }
}`;

/** The W&B GraphQL endpoint (`{base}/graphql`). */
export class WandbGraphqlApi {
  readonly #http: WandbHttp;
  readonly #url: string;

  constructor(http: WandbHttp, baseUrl: string) {
    this.#http = http;
    this.#url = `${baseUrl}/graphql`;
  }

  /** Creates the run, or updates it (config, tags, ...) when it exists. */
  async upsertRun(input: UpsertRunInput): Promise<UpsertedRun> {
    const variables = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
    const reply = await this.#http.postJson(this.#url, { query: UPSERT_BUCKET, variables, operationName: "UpsertBucket" });
    const errors = (reply as { errors?: { message?: unknown }[] } | null)?.errors;
    if (Array.isArray(errors) && errors.length > 0) {
      throw new WandbGraphqlError(`W&B GraphQL error: ${errors.map((e) => String(e?.message ?? JSON.stringify(e))).join("; ")}`);
    }
    const bucket = (reply as { data?: { upsertBucket?: { bucket?: BucketReply } } } | null)?.data?.upsertBucket?.bucket;
    const entity = bucket?.project?.entity?.name ?? input.entity;
    if (!bucket || !entity) throw new WandbGraphqlError("W&B GraphQL reply to UpsertBucket has no bucket/entity");
    return { name: bucket.name ?? input.name, project: bucket.project?.name ?? input.project, entity };
  }
}

interface BucketReply {
  readonly name?: string;
  readonly project?: { readonly name?: string; readonly entity?: { readonly name?: string } };
}
