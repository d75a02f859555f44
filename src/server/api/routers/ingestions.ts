import { z } from "zod";
import {
  createIngestionInput,
  ingestionId,
  listIngestionsInput,
  refreshIngestionInput,
  REFRESH_MODES,
  updateIngestionInput,
} from "@/server/domain/ingestion-input";
import { createIngestion } from "@/server/services/ingestions/create-ingestion";
import { destinationChangeView } from "@/server/services/ingestions/destination-table";
import { deleteIngestion } from "@/server/services/ingestions/delete-ingestion";
import { getIngestion } from "@/server/services/ingestions/get-ingestion";
import { ingestionView } from "@/server/services/ingestions/ingestion-view";
import { listIngestions } from "@/server/services/ingestions/list-ingestions";
import { refreshIngestion } from "@/server/services/ingestions/refresh-ingestion";
import { previewInput } from "@/server/domain/preview-input";
import { previewSource } from "@/server/services/preview/preview-source";
import { previewOutput } from "@/server/services/preview/preview-view";
import { estimateCost } from "@/server/services/cost/estimate-cost";
import { costEstimateView, estimateCostInput } from "@/server/services/cost/cost-view";
import { setIngestionStatus } from "@/server/services/ingestions/set-ingestion-status";
import { updateIngestion } from "@/server/services/ingestions/update-ingestion";
import { editorProcedure, router, viewerProcedure } from "../trpc";

const byId = z.object({ id: ingestionId });

/** Create and update answer with the ingestion, and what happened to tables it adopted or left. */
const changedIngestionView = ingestionView.extend({ destinationChange: destinationChangeView.optional() });

const fileCounts = z.object({ files: z.number(), bytes: z.number() });
const triggerOutput = z.discriminatedUnion("method", [
  z.object({ method: z.literal("direct"), runId: z.string() }),
  z.object({ method: z.literal("inngest"), runId: z.string(), eventId: z.string() }),
]);

const refreshOutput = z.object({
  dryRun: z.boolean(),
  executed: z.boolean(),
  plan: z.object({
    mode: z.enum(REFRESH_MODES),
    table: z.object({ name: z.string(), exists: z.boolean(), rows: z.number() }),
    history: z.object({ files: z.number(), forget: z.number(), skip: z.number() }),
    ledgerEntries: z.number(),
    load: z
      .object({
        pending: fileCounts,
        nextRun: fileCounts,
        truncated: z.boolean(),
        estimate: z.object({ durationMs: z.number(), mbPerSecond: z.number(), computeCost: z.number() }),
      })
      .nullable(),
    warnings: z.array(z.string()),
    steps: z.array(z.string()),
  }),
  run: triggerOutput.nullable(),
  message: z.string(),
});

export const ingestionsRouter = router({
  create: editorProcedure
    .meta({ audit: { action: "ingestion.create", target: "ingestion" } })
    .input(createIngestionInput)
    .output(changedIngestionView)
    .mutation(({ ctx, input }) => createIngestion(ctx.deps, ctx.auth.tenantId, input)),
  list: viewerProcedure
    .input(listIngestionsInput)
    .output(z.object({ items: z.array(ingestionView), nextCursor: z.string().nullable() }))
    .query(({ ctx, input }) => listIngestions(ctx.deps, ctx.auth.tenantId, input)),
  get: viewerProcedure
    .input(byId)
    .output(ingestionView)
    .query(({ ctx, input }) => getIngestion(ctx.deps, ctx.auth.tenantId, input.id)),
  update: editorProcedure
    .meta({ audit: { action: "ingestion.update", target: "ingestion" } })
    .input(updateIngestionInput)
    .output(changedIngestionView)
    .mutation(({ ctx, input }) => updateIngestion(ctx.deps, ctx.auth.tenantId, input)),
  delete: editorProcedure
    .meta({ audit: { action: "ingestion.delete", target: "ingestion" } })
    .input(byId.extend({ dropTable: z.boolean({ error: "dropTable must be true or false" }).default(false) }))
    .output(
      z.object({
        id: z.string(),
        name: z.string(),
        table: z.string(),
        tableDropped: z.boolean(),
        rowsDropped: z.number(),
        message: z.string(),
      }),
    )
    .mutation(({ ctx, input }) => deleteIngestion(ctx.deps, ctx.auth.tenantId, input.id, { dropTable: input.dropTable })),
  /** Matched files, inferred schema and sample rows of a source, before an ingestion exists. */
  preview: viewerProcedure
    .input(previewInput)
    .output(previewOutput)
    .query(({ ctx, input }) => previewSource(ctx.deps, ctx.auth.tenantId, input)),
  /** Backfill and monthly cost of a draft (`draft`) or an existing ingestion (`ingestionId`), with its assumptions. */
  estimateCost: viewerProcedure
    .input(estimateCostInput)
    .output(costEstimateView)
    .query(({ ctx, input }) => estimateCost(ctx.deps, ctx.auth.tenantId, input)),
  refresh: editorProcedure
    .meta({ audit: { action: "ingestion.refresh", target: "ingestion" } })
    .input(refreshIngestionInput)
    .output(refreshOutput)
    .mutation(({ ctx, input }) => refreshIngestion(ctx.deps, ctx.auth.tenantId, input)),
  pause: editorProcedure
    .meta({ audit: { action: "ingestion.pause", target: "ingestion" } })
    .input(byId)
    .output(ingestionView)
    .mutation(({ ctx, input }) => setIngestionStatus(ctx.deps, ctx.auth.tenantId, input.id, "pause")),
  resume: editorProcedure
    .meta({ audit: { action: "ingestion.resume", target: "ingestion" } })
    .input(byId)
    .output(ingestionView)
    .mutation(({ ctx, input }) => setIngestionStatus(ctx.deps, ctx.auth.tenantId, input.id, "resume")),
});
