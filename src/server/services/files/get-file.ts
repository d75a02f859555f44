import type { z } from "zod";
import { notFound } from "@/server/domain/errors";
import type { ServiceDeps } from "@/server/deps";
import type { fileDetail } from "@/shared/contracts/files";
import { fileSelect, toFileView } from "./file-view";

/** A file's state and every load attempt, newest first. */
export async function getFile(deps: ServiceDeps, tenantId: string, id: string): Promise<z.infer<typeof fileDetail>> {
  const row = await deps.db.processedFile.findFirst({
    where: { id, ingestion: { tenantId } },
    select: {
      ...fileSelect,
      ingestion: { select: { name: true } },
      attempts: {
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: 100,
        select: { runId: true, outcome: true, rowCount: true, error: true, createdAt: true, run: { select: { trigger: true } } },
      },
    },
  });
  if (!row) throw notFound("file", id);
  return {
    file: toFileView(row),
    ingestionName: row.ingestion.name,
    attempts: row.attempts.map((a) => ({
      runId: a.runId,
      trigger: a.run.trigger,
      outcome: a.outcome,
      rowCount: a.rowCount === null ? null : Number(a.rowCount),
      error: a.error,
      at: a.createdAt,
    })),
  };
}
