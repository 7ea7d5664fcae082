import type { z } from "zod";

/** One line per issue: "field.path: message", the way users read validation errors. */
export function formatZodError(error: z.ZodError, prefix = ""): string {
  return error.issues
    .map((i) => {
      const path = [prefix, ...i.path.map(String)].filter(Boolean).join(".");
      return path ? `${path}: ${i.message}` : i.message;
    })
    .join("; ");
}
