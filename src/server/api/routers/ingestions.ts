import { createIngestion } from "@/server/services/ingestions/create-ingestion";
import { deleteIngestion } from "@/server/services/ingestions/delete-ingestion";
import { getIngestion } from "@/server/services/ingestions/get-ingestion";
import { listIngestions } from "@/server/services/ingestions/list-ingestions";
import { refreshIngestion } from "@/server/services/ingestions/refresh-ingestion";
import { previewSource } from "@/server/services/preview/preview-source";
import { estimateCost } from "@/server/services/cost/estimate-cost";
import { setIngestionStatus } from "@/server/services/ingestions/set-ingestion-status";
import { updateIngestion } from "@/server/services/ingestions/update-ingestion";
import {
  byIngestionId,
  changedIngestionView,
  createIngestionInput,
  deleteIngestionInput,
  deleteIngestionOutput,
  ingestionView,
  listIngestionsInput,
  listIngestionsOutput,
  refreshIngestionInput,
  refreshOutput,
  updateIngestionInput,
} from "@/shared/contracts/ingestions";
import { costEstimateView, estimateCostInput } from "@/shared/contracts/ingestions-cost";
import { previewInput, previewOutput } from "@/shared/contracts/ingestions-preview";
import { editorProcedure, router, viewerProcedure } from "../trpc";

export const ingestionsRouter = router({
  create: editorProcedure
    .meta({ audit: { action: "ingestion.create", target: "ingestion" } })
    .input(createIngestionInput)
    .output(changedIngestionView)
    .mutation(({ ctx, input }) => createIngestion(ctx.deps, ctx.auth.tenantId, input)),
  list: viewerProcedure
    .input(listIngestionsInput)
    .output(listIngestionsOutput)
    .query(({ ctx, input }) => listIngestions(ctx.deps, ctx.auth.tenantId, input)),
  get: viewerProcedure
    .input(byIngestionId)
    .output(ingestionView)
    .query(({ ctx, input }) => getIngestion(ctx.deps, ctx.auth.tenantId, input.id)),
  update: editorProcedure
    .meta({ audit: { action: "ingestion.update", target: "ingestion" } })
    .input(updateIngestionInput)
    .output(changedIngestionView)
    .mutation(({ ctx, input }) => updateIngestion(ctx.deps, ctx.auth.tenantId, input)),
  delete: editorProcedure
    .meta({ audit: { action: "ingestion.delete", target: "ingestion" } })
    .input(deleteIngestionInput)
    .output(deleteIngestionOutput)
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
    .input(byIngestionId)
    .output(ingestionView)
    .mutation(({ ctx, input }) => setIngestionStatus(ctx.deps, ctx.auth.tenantId, input.id, "pause")),
  resume: editorProcedure
    .meta({ audit: { action: "ingestion.resume", target: "ingestion" } })
    .input(byIngestionId)
    .output(ingestionView)
    .mutation(({ ctx, input }) => setIngestionStatus(ctx.deps, ctx.auth.tenantId, input.id, "resume")),
});
