import { z } from "zod";
import { ingestionId } from "@/server/domain/ingestion-input";
import { getRun } from "@/server/services/runs/get-run";
import { listRuns } from "@/server/services/runs/list-runs";
import { fileOutcomeView, runSchemaVersionView, runView } from "@/server/services/runs/run-view";
import { cancelRun } from "@/server/services/runs/cancel-run";
import { retryRun } from "@/server/services/runs/retry-run";
import { triggerRun } from "@/server/services/runs/trigger-run";
import { editorProcedure, router, viewerProcedure } from "../trpc";

const runId = z.string({ error: "Run id is required" }).min(1, "Run id is required").max(64, "Run id must be at most 64 characters");

const started = [
  z.object({ method: z.literal("direct"), runId: z.string() }),
  z.object({ method: z.literal("inngest"), runId: z.string(), eventId: z.string() }),
] as const;

export const runsRouter = router({
  trigger: editorProcedure
    .meta({ audit: { action: "run.trigger", target: "ingestion" } })
    .input(z.object({ ingestionId }))
    .output(z.discriminatedUnion("method", [...started]))
    .mutation(({ ctx, input }) => triggerRun(ctx.deps, ctx.auth.tenantId, input.ingestionId)),
  /** A new run of a FAILED or PARTIAL run's unfinished files, linked to it by retryOfRunId. */
  retry: editorProcedure
    .meta({ audit: { action: "run.retry", target: "run" } })
    .input(z.object({ id: runId }))
    .output(
      z.discriminatedUnion("method", [
        started[0].extend({ retryOfRunId: z.string(), filesToRetry: z.number().nullable() }),
        started[1].extend({ retryOfRunId: z.string(), filesToRetry: z.number().nullable() }),
      ]),
    )
    .mutation(({ ctx, input }) => retryRun(ctx.deps, ctx.auth.tenantId, input.id)),
  /** Cancels a queued run at once, a running one at its next batch boundary; returns the run as it is now. */
  cancel: editorProcedure
    .meta({ audit: { action: "run.cancel", target: "run" } })
    .input(z.object({ id: runId }))
    .output(runView)
    .mutation(({ ctx, input }) => cancelRun(ctx.deps, ctx.auth.tenantId, input.id)),
  list: viewerProcedure
    .input(
      z
        .object({
          ingestionId: ingestionId.optional(),
          since: z.coerce.date({ error: "Since must be a date" }).optional(),
          limit: z.number().int().min(1, "Limit must be 1–100").max(100, "Limit must be 1–100").default(20),
          cursor: z.string().max(64).nullish(),
        })
        .default({ limit: 20 }),
    )
    .output(z.object({ items: z.array(runView), nextCursor: z.string().nullable() }))
    .query(({ ctx, input }) => listRuns(ctx.deps, ctx.auth.tenantId, input)),
  get: viewerProcedure
    .input(z.object({ id: runId }))
    .output(
      z.object({
        run: runView,
        files: z.array(fileOutcomeView),
        filesTotal: z.number(),
        schemaVersions: z.array(runSchemaVersionView),
      }),
    )
    .query(({ ctx, input }) => getRun(ctx.deps, ctx.auth.tenantId, input.id)),
});
