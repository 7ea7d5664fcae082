import type { z } from "zod";

/** zod issues as one line that names each field, e.g. `timeout: expected a positive number`. */
export function describeZodIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(value)"}: ${issue.message}`)
    .join("; ");
}
