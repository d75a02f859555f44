import { getFile } from "@/server/services/files/get-file";
import { listFiles } from "@/server/services/files/list-files";
import { clearFiles, reprocessFiles } from "@/server/services/files/reprocess-files";
import {
  clearFilesInput,
  clearFilesOutput,
  fileDetail,
  getFileInput,
  listFilesInput,
  listFilesOutput,
  reprocessFilesInput,
  reprocessFilesOutput,
} from "@/shared/contracts/files";
import { editorProcedure, router, viewerProcedure } from "../trpc";

/** An ingestion's file history: what was seen, loaded, failed, and what to load again. */
export const filesRouter = router({
  list: viewerProcedure
    .input(listFilesInput)
    .output(listFilesOutput)
    .query(({ ctx, input }) => listFiles(ctx.deps, ctx.auth.tenantId, input)),
  get: viewerProcedure
    .input(getFileInput)
    .output(fileDetail)
    .query(({ ctx, input }) => getFile(ctx.deps, ctx.auth.tenantId, input.id)),
  reprocess: editorProcedure
    .meta({ audit: { action: "file.reprocess", target: "ingestion" } })
    .input(reprocessFilesInput)
    .output(reprocessFilesOutput)
    .mutation(({ ctx, input }) => reprocessFiles(ctx.deps, ctx.auth.tenantId, input)),
  clear: editorProcedure
    .meta({ audit: { action: "file.clear", target: "ingestion" } })
    .input(clearFilesInput)
    .output(clearFilesOutput)
    .mutation(({ ctx, input }) => clearFiles(ctx.deps, ctx.auth.tenantId, input)),
});
