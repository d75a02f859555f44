import { notFound } from "@/server/domain/errors";
import type { ServiceDeps } from "../deps";
import { runSelect, toRunView, type RunView } from "./run-view";

const FILES_SHOWN = 500;

export interface RunDetail {
  run: RunView;
  files: { id: string; path: string; status: "PENDING" | "PROCESSING" | "SUCCESS" | "FAILED" | "SKIPPED"; size: number; rowCount: number | null; retryCount: number; error: string | null }[];
  filesTotal: number;
  schemaVersions: { version: number; diff: unknown; createdAt: Date }[];
}

export async function getRun(deps: ServiceDeps, tenantId: string, id: string): Promise<RunDetail> {
  const row = await deps.db.run.findFirst({ where: { id, ingestion: { tenantId } }, select: runSelect });
  if (!row) throw notFound("run", id);
  const select = { id: true, path: true, status: true, size: true, rowCount: true, retryCount: true, error: true } as const;
  // Failures first, whatever the enum order: they are what a reader of a run looks for.
  const failedFiles = await deps.db.processedFile.findMany({
    where: { runId: id, status: "FAILED" },
    orderBy: { path: "asc" },
    take: FILES_SHOWN,
    select,
  });
  const [otherFiles, filesTotal, versions] = await Promise.all([
    deps.db.processedFile.findMany({
      where: { runId: id, status: { not: "FAILED" } },
      orderBy: { path: "asc" },
      take: FILES_SHOWN - failedFiles.length,
      select,
    }),
    deps.db.processedFile.count({ where: { runId: id } }),
    deps.db.schemaVersion.findMany({
      where: { runId: id },
      orderBy: { version: "asc" },
      select: { version: true, diff: true, createdAt: true },
    }),
  ]);
  return {
    run: toRunView(row),
    files: [...failedFiles, ...otherFiles].map((f) => ({ ...f, size: Number(f.size), rowCount: f.rowCount === null ? null : Number(f.rowCount) })),
    filesTotal,
    schemaVersions: versions,
  };
}
