import { z } from "zod";
import { getFile } from "@/server/services/files/get-file";
import {
  clearFilesInput,
  clearFilesOutput,
  fileDetail,
  fileId,
  listFilesInput,
  listFilesOutput,
  reprocessFilesInput,
  reprocessFilesOutput,
} from "@/server/services/files/file-view";
import { listFiles } from "@/server/services/files/list-files";
import { clearFiles, reprocessFiles } from "@/server/services/files/reprocess-files";
import { protectedProcedure, router } from "../trpc";

/** An ingestion's file history: what was seen, loaded, failed, and what to load again. */
export const filesRouter = router({
  list: protectedProcedure
    .input(listFilesInput)
    .output(listFilesOutput)
    .query(({ ctx, input }) => listFiles(ctx.deps, ctx.auth.tenantId, input)),
  get: protectedProcedure
    .input(z.object({ id: fileId }))
    .output(fileDetail)
    .query(({ ctx, input }) => getFile(ctx.deps, ctx.auth.tenantId, input.id)),
  reprocess: protectedProcedure
    .input(reprocessFilesInput)
    .output(reprocessFilesOutput)
    .mutation(({ ctx, input }) => reprocessFiles(ctx.deps, ctx.auth.tenantId, input)),
  clear: protectedProcedure
    .input(clearFilesInput)
    .output(clearFilesOutput)
    .mutation(({ ctx, input }) => clearFiles(ctx.deps, ctx.auth.tenantId, input)),
});
