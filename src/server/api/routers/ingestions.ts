import { z } from "zod";
import {
  createIngestionInput,
  ingestionId,
  listIngestionsInput,
  updateIngestionInput,
} from "@/server/domain/ingestion-input";
import { createIngestion } from "@/server/services/ingestions/create-ingestion";
import { deleteIngestion } from "@/server/services/ingestions/delete-ingestion";
import { getIngestion } from "@/server/services/ingestions/get-ingestion";
import { ingestionView } from "@/server/services/ingestions/ingestion-view";
import { listIngestions } from "@/server/services/ingestions/list-ingestions";
import { setIngestionStatus } from "@/server/services/ingestions/set-ingestion-status";
import { updateIngestion } from "@/server/services/ingestions/update-ingestion";
import { protectedProcedure, router } from "../trpc";

const byId = z.object({ id: ingestionId });

export const ingestionsRouter = router({
  create: protectedProcedure
    .input(createIngestionInput)
    .output(ingestionView)
    .mutation(({ ctx, input }) => createIngestion(ctx.deps, ctx.auth.tenantId, input)),
  list: protectedProcedure
    .input(listIngestionsInput)
    .output(z.object({ items: z.array(ingestionView), nextCursor: z.string().nullable() }))
    .query(({ ctx, input }) => listIngestions(ctx.deps, ctx.auth.tenantId, input)),
  get: protectedProcedure
    .input(byId)
    .output(ingestionView)
    .query(({ ctx, input }) => getIngestion(ctx.deps, ctx.auth.tenantId, input.id)),
  update: protectedProcedure
    .input(updateIngestionInput)
    .output(ingestionView)
    .mutation(({ ctx, input }) => updateIngestion(ctx.deps, ctx.auth.tenantId, input)),
  delete: protectedProcedure
    .input(byId)
    .output(z.object({ id: z.string(), name: z.string(), tableKept: z.string() }))
    .mutation(({ ctx, input }) => deleteIngestion(ctx.deps, ctx.auth.tenantId, input.id)),
  pause: protectedProcedure
    .input(byId)
    .output(ingestionView)
    .mutation(({ ctx, input }) => setIngestionStatus(ctx.deps, ctx.auth.tenantId, input.id, "pause")),
  resume: protectedProcedure
    .input(byId)
    .output(ingestionView)
    .mutation(({ ctx, input }) => setIngestionStatus(ctx.deps, ctx.auth.tenantId, input.id, "resume")),
});
