export * from "../vocabulary/distribution.ts";
export * from "./create-distribution.ts";
export * from "./distribution-ops.ts";
export * from "./distribution-schema.ts";
