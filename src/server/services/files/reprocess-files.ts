// Reprocess: files go back to PENDING and their rows and ledger entries leave the table, so the
// next run loads them again, exactly once. Clear does the same for the whole history and
// forgets the files altogether. Both hold the run guard: no run can interleave.
import type { z } from "zod";
import { DomainError } from "@/server/domain/errors";
import { plural } from "@/shared/format";
import type { ServiceDeps } from "@/server/deps";
import { tenantDestination } from "../ingestions/destination-table";
import { withIngestionGuard } from "../ingestions/ingestion-guard";
import { findOwnedIngestion } from "../ingestions/ingestion-rules";
import type { IngestionRow } from "../ingestions/ingestion-view";
import type { clearFilesInput, clearFilesOutput, reprocessFilesInput, reprocessFilesOutput } from "@/shared/contracts/files";
import { fileFilter } from "./list-files";
import { RESET_LISTING_STATE } from "@/server/runs/listing-state";

const CHUNK = 2_000;

/** Refuses before anything changes when the table's rows cannot be told apart by file. */
async function assertLineage(deps: ServiceDeps, tenantId: string, ingestion: IngestionRow) {
  const d = { schema: ingestion.destinationSchema, table: ingestion.destinationTable };
  const { table } = await (await tenantDestination(deps, tenantId)).describe(d);
  if (table !== null && !table.hasLineage) {
    throw new DomainError(
      "PRECONDITION_FAILED",
      `Table ${d.schema}.${d.table} has no _source_file column, so the rows of single files cannot be removed; refresh the ingestion instead`,
    );
  }
}

async function forget(deps: ServiceDeps, tenantId: string, ingestion: IngestionRow, paths: string[] | null) {
  const destination = await tenantDestination(deps, tenantId);
  return destination.removeFiles({ ingestionId: ingestion.id, schema: ingestion.destinationSchema, table: ingestion.destinationTable }, paths);
}

export async function reprocessFiles(
  deps: ServiceDeps,
  tenantId: string,
  input: z.infer<typeof reprocessFilesInput>,
): Promise<z.infer<typeof reprocessFilesOutput>> {
  const ingestion = await findOwnedIngestion(deps, tenantId, input.ingestionId);
  const where = input.fileIds
    ? { ingestionId: ingestion.id, id: { in: input.fileIds } }
    : fileFilter(ingestion.id, input.filter ?? {});
  if (input.fileIds) {
    const found = await deps.db.processedFile.findMany({ where, select: { id: true } });
    const missing = input.fileIds.filter((id) => !found.some((f) => f.id === id));
    if (missing.length > 0) {
      throw new DomainError("NOT_FOUND", `No file '${missing[0]}' in ingestion '${ingestion.name}'${missing.length > 1 ? ` (and ${missing.length - 1} more)` : ""}`);
    }
  }
  return withIngestionGuard(deps, ingestion, { doing: "reprocess files of", operation: "reprocessing files" }, async (guard) => {
    const files = await deps.db.processedFile.findMany({ where, select: { id: true, path: true } });
    if (files.length === 0) {
      return { result: { files: 0, rowsRemoved: 0, message: "No file matches the filter: nothing to reprocess" } };
    }
    const now = deps.clock();
    await assertLineage(deps, tenantId, ingestion);
    await guard.assertHeld();
    // Metadata first: a crash before the warehouse step leaves the ledger, and the next run's
    // reconcile marks those files loaded again (the reprocess is undone, nothing is doubled).
    for (let i = 0; i < files.length; i += CHUNK) {
      await deps.db.processedFile.updateMany({
        where: { id: { in: files.slice(i, i + CHUNK).map((f) => f.id) } },
        data: {
          status: "PENDING",
          retryCount: 0,
          error: null,
          failureKind: null,
          nextAttemptAt: null,
          rowCount: null,
          loadedAt: null,
          leaseExpiresAt: null,
          updatedAt: now,
        },
      });
    }
    await guard.assertHeld();
    const removed = await forget(deps, tenantId, ingestion, files.map((f) => f.path));
    deps.log.info(`[files] reprocess ${files.length} file(s) of '${ingestion.name}' (${ingestion.id}): ${removed.rowsDeleted} row(s) removed`);
    const table = `${ingestion.destinationSchema}.${ingestion.destinationTable}`;
    return {
      result: {
        files: files.length,
        rowsRemoved: removed.rowsDeleted,
        message:
          `${plural(files.length, "file")} reset to PENDING; the next run loads ${files.length === 1 ? "it" : "them"} again` +
          (removed.rowsDeleted > 0 ? `; the ${plural(removed.rowsDeleted, "row")} loaded from ${files.length === 1 ? "it" : "them"} before ${removed.rowsDeleted === 1 ? "was" : "were"} removed from ${table}` : ""),
      },
    };
  });
}

export async function clearFiles(
  deps: ServiceDeps,
  tenantId: string,
  input: z.infer<typeof clearFilesInput>,
): Promise<z.infer<typeof clearFilesOutput>> {
  const ingestion = await findOwnedIngestion(deps, tenantId, input.ingestionId);
  const table = `${ingestion.destinationSchema}.${ingestion.destinationTable}`;
  if (!input.confirm) {
    const n = await deps.db.processedFile.count({ where: { ingestionId: ingestion.id } });
    throw new DomainError(
      "PRECONDITION_FAILED",
      `Clearing forgets the history of ${plural(n, "file")} of '${ingestion.name}' and removes the rows they loaded from ${table}: pass confirm: true to execute it`,
      "confirm",
    );
  }
  return withIngestionGuard(deps, ingestion, { doing: "clear the file history of", operation: "clearing the file history" }, async (guard) => {
    // Metadata first, as for reprocess: a crash in between leaves the ledger to rebuild from.
    await assertLineage(deps, tenantId, ingestion);
    await guard.assertHeld();
    // With its history the high-water path goes: an ORDERED listing would skip every file before it.
    const [{ count }] = await deps.db.$transaction([
      deps.db.processedFile.deleteMany({ where: { ingestionId: ingestion.id } }),
      deps.db.ingestion.update({ where: { id: ingestion.id }, data: RESET_LISTING_STATE, select: { id: true } }),
    ]);
    await guard.assertHeld();
    const removed = await forget(deps, tenantId, ingestion, null);
    deps.log.info(`[files] cleared ${count} file(s) of '${ingestion.name}' (${ingestion.id}): ${removed.rowsDeleted} row(s) removed`);
    return {
      result: {
        filesForgotten: count,
        rowsRemoved: removed.rowsDeleted,
        message: `Forgot ${plural(count, "file")} and removed ${plural(removed.rowsDeleted, "row")} from ${table}; the next run loads every matching file again`,
      },
    };
  });
}
