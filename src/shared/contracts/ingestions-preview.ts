// The contract of ingestions.preview. It takes an ingestion's source, format and hints, before the
// ingestion exists (shared by the procedure and the dashboard's create form), and returns file
// counts, the sampled files, the schema a load would infer (hints applied, with where each column
// came from), sample rows and warnings.
import { z } from "zod";
import { SourceType } from "@/generated/prisma/enums";
import { formatSchema, schemaPolicySchema, sourceSchema } from "./ingestions";

export const PREVIEW_MAX_SAMPLE_ROWS = 100;

export const previewInput = z.object({
  source: sourceSchema,
  format: formatSchema,
  hints: schemaPolicySchema.shape.hints,
  sampleRows: z
    .number({ error: `Sample rows must be a whole number from 1 to ${PREVIEW_MAX_SAMPLE_ROWS}` })
    .int(`Sample rows must be a whole number from 1 to ${PREVIEW_MAX_SAMPLE_ROWS}`)
    .min(1, `Sample rows must be a whole number from 1 to ${PREVIEW_MAX_SAMPLE_ROWS}`)
    .max(PREVIEW_MAX_SAMPLE_ROWS, `Sample rows must be a whole number from 1 to ${PREVIEW_MAX_SAMPLE_ROWS}`)
    .default(20),
});
export type PreviewInput = z.infer<typeof previewInput>;
/** What a form holds before parsing (defaults not yet applied). */
export type PreviewDraft = z.input<typeof previewInput>;

/** What the engine's sampling notices (engine/preview.ts produces them). */
export const ENGINE_WARNING_CODES = [
  "UNREADABLE_FILE",
  "COLUMN_RENAMED",
  "NESTED_KEY_AS_JSON",
  "CSV_DIALECTS_DIFFER",
  "CSV_DELIMITER_MISMATCH",
  "TYPE_MISMATCH",
  "MISSING_COLUMN",
  "RESERVED_COLUMN",
  "HINT_NOT_FOUND",
  "HINT_CONVERSION",
  "SAMPLE_FAILED",
] as const;
export type EngineWarningCode = (typeof ENGINE_WARNING_CODES)[number];

export const PREVIEW_WARNING_CODES = [
  /** Nothing under the source matches the glob and modified-after. */
  "NO_MATCHES",
  /** Listing stopped at its bound: the counts are lower bounds. */
  "LISTING_TRUNCATED",
  /** The byte budget stopped the sample before its file count. */
  "SAMPLE_LIMITED",
  ...ENGINE_WARNING_CODES,
] as const;
export type PreviewWarningCode = (typeof PREVIEW_WARNING_CODES)[number];

export const COLUMN_ORIGINS = ["inferred", "hint", "hint-only"] as const;

export const previewOutput = z.object({
  source: z.object({
    type: z.enum(SourceType),
    /** The source as listed (local paths normalised, S3 prefixes ending in "/"). */
    uri: z.string(),
    glob: z.string().nullable(),
  }),
  /** Files that match the glob and modified-after (markers starting with _ or . excluded). */
  matchedFiles: z.number().int().nonnegative(),
  matchedBytes: z.number().int().nonnegative(),
  /** Objects listed under the source, matching or not. */
  listedObjects: z.number().int().nonnegative(),
  /** True when listing stopped at its bound: the counts above are then "at least". */
  listingTruncated: z.boolean(),
  filesSampled: z.number().int().nonnegative(),
  bytesSampled: z.number().int().nonnegative(),
  /** The files read, in listing order; `error` says why one could not be. */
  sampledFiles: z.array(
    z.object({
      path: z.string(),
      bytes: z.number().int().nonnegative(),
      error: z.string().nullable(),
    }),
  ),
  columns: z.array(
    z.object({
      name: z.string(),
      /** The type a load gives the column: the hint's, or else the inferred one. */
      type: z.string(),
      /** What was inferred from the sampled files; null for a hinted column none of them has. */
      inferredType: z.string().nullable(),
      /** inferred: from the data; hint: in the data, typed by a hint; hint-only: hinted, in no sampled file. */
      origin: z.enum(COLUMN_ORIGINS),
      /** How many readable sampled files have the column. */
      presentIn: z.number().int().nonnegative(),
    }),
  ),
  /**
   * CSV only (null otherwise): the dialect each readable sampled file is read with — the
   * delimiter, quote and escape the options set, or what DuckDB's sniffer detected in the file.
   */
  csvDialects: z
    .array(
      z.object({
        path: z.string(),
        delimiter: z.string(),
        quote: z.string().nullable(),
        escape: z.string().nullable(),
        header: z.boolean(),
        /** Per character: set in the options, or detected. */
        detected: z.object({ delimiter: z.boolean(), quote: z.boolean(), escape: z.boolean() }),
      }),
    )
    .nullable(),
  /** Up to the requested number of rows; `values` in `columns` order, JSON-safe (big numbers and dates as strings). */
  rows: z.array(z.object({ file: z.string(), values: z.array(z.json()) })),
  warnings: z.array(
    z.object({
      code: z.enum(PREVIEW_WARNING_CODES),
      message: z.string(),
      path: z.string().nullable(),
      column: z.string().nullable(),
    }),
  ),
});
export type PreviewOutput = z.infer<typeof previewOutput>;
export type PreviewOutputWarning = PreviewOutput["warnings"][number];
