export * from "./console-tracker.ts";
export * from "./format-value.ts";
