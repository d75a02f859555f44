// The events Autoloader sends and receives on Inngest, declared once and parsed on receipt.
import { eventType } from "inngest";
import { z } from "zod";

export const RUN_REQUESTED = "autoloader/run.requested";

const required = (field: string, what: string) =>
  z.string({ error: `${field} is required: ${what}` }).min(1, `${field} is required: ${what}`);

export const runRequestedData = z.object({
  runId: required("runId", "the id of the run to execute"),
  ingestionId: required("ingestionId", "the ingestion the run belongs to"),
  tenantId: required("tenantId", "the tenant that owns the ingestion"),
});
export type RunRequestedData = z.infer<typeof runRequestedData>;

/**
 * The trigger of `run-ingestion`. With a schema, the SDK validates every received event before
 * the handler runs and fails the run (without retries) naming the bad field.
 */
export const runRequested = eventType(RUN_REQUESTED, { schema: runRequestedData });
