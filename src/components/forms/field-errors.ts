// Errors keyed by the dotted path of the input they are about ("source.uri"), the same keys the
// server sends in `error.data.fieldErrors`, so client and server errors land in the same places.
import type { z } from "zod";

export type FieldErrors = Record<string, string[]>;

export function fieldErrorsFromZod(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join(".") || "_form";
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

/** The id of the element that shows a field's error: "source.uri" → "source-uri-error". */
export function errorIdOf(path: string): string {
  return `${fieldIdOf(path)}-error`;
}

/** The id of a field's control: "source.uri" → "source-uri". */
export function fieldIdOf(path: string): string {
  return path.replace(/\./g, "-");
}

/**
 * Splits errors into those a form shows beside one of its `fields` and the rest, which it shows at
 * the top. An error about something inside a field ("destination.partitionColumns.0" when only
 * "destination.partitionColumns" is a field) goes to the nearest enclosing field.
 */
export function placeFieldErrors(
  errors: FieldErrors,
  fields: readonly string[],
): { byField: FieldErrors; formLevel: string[] } {
  const byField: FieldErrors = {};
  const formLevel: string[] = [];
  for (const [path, messages] of Object.entries(errors)) {
    const field = fields.includes(path)
      ? path
      : fields.filter((f) => path.startsWith(`${f}.`)).sort((a, b) => b.length - a.length)[0];
    if (field) (byField[field] ??= []).push(...messages);
    else formLevel.push(...messages);
  }
  return { byField, formLevel };
}
