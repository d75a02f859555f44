// What a source preview takes: an ingestion's source, format and hints, before the ingestion
// exists. Shared by the tRPC procedure and the dashboard's create form.
import { z } from "zod";
import { formatSchema, schemaPolicySchema, sourceSchema } from "./ingestion-input";

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
