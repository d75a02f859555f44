// What a run (and the schema version it made) records about the data without failing for it:
// the shape stored in Run.warnings and SchemaVersion.warnings, and returned by the API.
import { z } from "zod";

export const RUN_WARNING_CODES = [
  /** A column's type was decided by a few odd values (it became JSON, or text among numbers). */
  "TYPE_DRIFT",
  /** A key could not be a column as it is and got another name. */
  "COLUMN_RENAMED",
  /** A column kept as JSON because a nested key cannot be named in a type. */
  "NESTED_KEY_AS_JSON",
  /** CSV read with a delimiter that is set into one column whose name looks delimited by another character. */
  "CSV_DELIMITER_MISMATCH",
] as const;

export const runWarning = z.object({
  code: z.enum(RUN_WARNING_CODES),
  message: z.string(),
  column: z.string().nullable(),
  /** The file (its URI) the example value comes from. */
  file: z.string().nullable(),
  example: z.string().nullable(),
});
export type RunWarning = z.infer<typeof runWarning>;

/** Stored warnings; anything unreadable in the column counts as none rather than failing a page. */
export const runWarnings = z.array(runWarning).catch([]);
