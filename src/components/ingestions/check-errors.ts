// Errors of the form's checks (the source preview and the cost estimate): the API's field errors,
// with their input paths moved to the create form's ("hints.x" → "schemaPolicy.hints.x"), so
// they show beside the same fields as a failed Create.
import type { FieldErrors } from "@/components/forms/field-errors";

/** What a tRPC client error carries that a form uses. */
export interface CheckError {
  message: string;
  data?: { fieldErrors?: FieldErrors | null } | null;
}

export function mapErrorPaths(errors: FieldErrors, toFormPath: (path: string) => string): FieldErrors {
  const out: FieldErrors = {};
  for (const [path, messages] of Object.entries(errors)) (out[toFormPath(path)] ??= []).push(...messages);
  return out;
}

/** A failed check's errors by form path; one without field errors is a form-level message. */
export function errorsOfCheck(error: CheckError, toFormPath: (path: string) => string): FieldErrors {
  const fieldErrors = error.data?.fieldErrors;
  return fieldErrors && Object.keys(fieldErrors).length > 0
    ? mapErrorPaths(fieldErrors, toFormPath)
    : { _form: [error.message] };
}

/** All the messages, each once, in order. */
export function messagesOf(errors: FieldErrors): string[] {
  return [...new Set(Object.values(errors).flat())];
}

/** Several sets of errors as one; a message repeated for a field is kept once. */
export function mergeFieldErrors(...sets: FieldErrors[]): FieldErrors {
  const out: FieldErrors = {};
  for (const set of sets) {
    for (const [path, messages] of Object.entries(set)) {
      const into = (out[path] ??= []);
      for (const m of messages) if (!into.includes(m)) into.push(m);
    }
  }
  return out;
}

/** Preview input paths → create form paths. */
export function previewPathToForm(path: string): string {
  return path === "hints" || path.startsWith("hints.") ? `schemaPolicy.${path}` : path;
}

/** Estimate input paths → create form paths (a draft's fields are the form's). */
export function estimatePathToForm(path: string): string {
  return path.startsWith("draft.") ? path.slice("draft.".length) : path;
}

/** Same input, same request: the inputs are built by the same code, so key order is stable. */
export function sameInput(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
