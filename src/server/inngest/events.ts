// The events Autoloader sends and receives on Inngest, declared once and parsed on receipt.
import { z } from "zod";

export const RUN_REQUESTED = "autoloader/run.requested";

export const runRequestedData = z.object({
  runId: z.string().min(1),
  ingestionId: z.string().min(1),
  tenantId: z.string().min(1),
});
export type RunRequestedData = z.infer<typeof runRequestedData>;
