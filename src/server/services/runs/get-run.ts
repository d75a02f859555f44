import { notFound } from "@/server/domain/errors";
import type { ServiceDeps } from "@/server/deps";
import { runWarnings } from "@/shared/run-warnings";
import { queueStates } from "@/server/runs/run-slots";
import type { FileStatus } from "@/generated/prisma/enums";
import type { RunDetail } from "@/shared/contracts/runs";
import { runSelect, toRunView } from "./run-view";

const FILES_SHOWN = 500;

/**
 * A run and what it did to each file. Outcomes come from the run's attempts, so they stay as they
 * were after a later run (a retry) takes a file over; files it holds without an outcome yet
 * (in progress, or given back when it failed) follow.
 */
export async function getRun(deps: ServiceDeps, tenantId: string, id: string): Promise<RunDetail> {
  const row = await deps.db.run.findFirst({ where: { id, ingestion: { tenantId } }, select: runSelect });
  if (!row) throw notFound("run", id);
  const attemptSelect = {
    outcome: true,
    rowCount: true,
    error: true,
    file: { select: { id: true, path: true, size: true, retryCount: true } },
  } as const;
  // Failures first, whatever the enum order: they are what a reader of a run looks for.
  const failed = await deps.db.fileAttempt.findMany({
    where: { runId: id, outcome: "FAILED" },
    orderBy: { file: { path: "asc" } },
    take: FILES_SHOWN,
    select: attemptSelect,
  });
  const loaded = await deps.db.fileAttempt.findMany({
    where: { runId: id, outcome: { not: "FAILED" } },
    orderBy: { file: { path: "asc" } },
    take: FILES_SHOWN - failed.length,
    select: attemptSelect,
  });
  const heldWhere = { runId: id, status: { in: ["PENDING", "PROCESSING"] as FileStatus[] }, attempts: { none: { runId: id } } };
  const [held, attemptsTotal, heldTotal, versions] = await Promise.all([
    deps.db.processedFile.findMany({
      where: heldWhere,
      orderBy: { path: "asc" },
      take: FILES_SHOWN - failed.length - loaded.length,
      select: { id: true, path: true, status: true, size: true, rowCount: true, retryCount: true, error: true },
    }),
    deps.db.fileAttempt.count({ where: { runId: id } }),
    deps.db.processedFile.count({ where: heldWhere }),
    deps.db.schemaVersion.findMany({
      where: { runId: id },
      orderBy: { version: "asc" },
      select: { version: true, diff: true, warnings: true, createdAt: true },
    }),
  ]);
  const fromAttempts = [...failed, ...loaded].map((a) => ({
    id: a.file.id,
    path: a.file.path,
    status: a.outcome,
    size: Number(a.file.size),
    rowCount: a.rowCount === null ? null : Number(a.rowCount),
    retryCount: a.file.retryCount,
    error: a.error,
  }));
  return {
    // Only a QUEUED run has a place in the queue: the others skip reading it.
    run: toRunView(row, row.status === "QUEUED" ? ((await queueStates(deps, [id])).get(id) ?? null) : null),
    files: [
      ...fromAttempts,
      ...held.map((f) => ({ ...f, size: Number(f.size), rowCount: f.rowCount === null ? null : Number(f.rowCount) })),
    ],
    filesTotal: attemptsTotal + heldTotal,
    schemaVersions: versions.map((v) => ({ ...v, warnings: runWarnings.parse(v.warnings) })),
  };
}
