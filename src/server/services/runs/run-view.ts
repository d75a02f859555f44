// A run row as the API returns it (shared/contracts/runs.ts): the columns it selects and how it
// maps them.
import type { Prisma } from "@/generated/prisma/client";
import type { RunView } from "@/shared/contracts/runs";
import { runWarnings } from "@/shared/run-warnings";
import type { QueueState } from "@/server/runs/run-slots";
import { rowFromSql, sqlColumns, type ColumnKinds } from "@/server/db/read-sql";

export const runSelect = {
  id: true,
  ingestionId: true,
  status: true,
  trigger: true,
  method: true,
  eventId: true,
  retryOfRunId: true,
  currentStep: true,
  filesDiscovered: true,
  listRequests: true,
  listedAfter: true,
  filesLoaded: true,
  filesFailed: true,
  filesSkipped: true,
  rowsLoaded: true,
  bytesLoaded: true,
  durationMs: true,
  estimatedDurationMs: true,
  estimatedBytes: true,
  error: true,
  warnings: true,
  cancelRequestedAt: true,
  queuedAt: true,
  startedAt: true,
  finishedAt: true,
  ingestion: { select: { name: true } },
} satisfies Prisma.RunSelect;

type RunRow = Prisma.RunGetPayload<{ select: typeof runSelect }>;

export function toRunView(r: RunRow, queue: QueueState | null = null): RunView {
  return {
    id: r.id,
    ingestionId: r.ingestionId,
    ingestionName: r.ingestion.name,
    status: r.status,
    trigger: r.trigger,
    method: r.method,
    eventId: r.eventId,
    retryOfRunId: r.retryOfRunId,
    currentStep: r.currentStep,
    metrics: {
      filesDiscovered: r.filesDiscovered,
      filesLoaded: r.filesLoaded,
      filesFailed: r.filesFailed,
      filesSkipped: r.filesSkipped,
      rowsLoaded: Number(r.rowsLoaded),
      bytesLoaded: Number(r.bytesLoaded),
      durationMs: r.durationMs,
    },
    listing: { requests: r.listRequests, startedAfter: r.listedAfter },
    estimate:
      r.estimatedDurationMs === null || r.estimatedBytes === null
        ? null
        : { durationMs: r.estimatedDurationMs, bytes: Number(r.estimatedBytes) },
    error: r.error,
    warnings: runWarnings.parse(r.warnings),
    cancelRequestedAt: r.cancelRequestedAt,
    queue,
    queuedAt: r.queuedAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
  };
}

// ── The same rows on the driver (runs.list and runs.get; see server/db/read-sql.ts) ───────────

type RunScalar = Exclude<keyof typeof runSelect, "ingestion">;

const RUN_COLUMNS: ColumnKinds<RunRow, RunScalar> = {
  id: "value",
  ingestionId: "value",
  status: "value",
  trigger: "value",
  method: "value",
  eventId: "value",
  retryOfRunId: "value",
  currentStep: "value",
  filesDiscovered: "value",
  listRequests: "value",
  listedAfter: "value",
  filesLoaded: "value",
  filesFailed: "value",
  filesSkipped: "value",
  rowsLoaded: "bigint",
  bytesLoaded: "bigint",
  durationMs: "value",
  estimatedDurationMs: "value",
  estimatedBytes: "bigint",
  error: "value",
  warnings: "value",
  cancelRequestedAt: "date",
  queuedAt: "date",
  startedAt: "date",
  finishedAt: "date",
};

/**
 * `runSelect` as SQL, JSON-safe: runs ("Run" r) with their ingestion ("Ingestion" i); callers add
 * WHERE (scoped by i."tenantId"), ORDER BY and LIMIT.
 */
export const RUN_SQL = `SELECT ${sqlColumns("r", RUN_COLUMNS)}, i.name AS "ingestion.name"
  FROM "Run" r JOIN "Ingestion" i ON i.id = r."ingestionId"`;

/** A row of RUN_SQL as Prisma would have returned it for `runSelect`. */
export function runRowFromSql(raw: Record<string, unknown>): RunRow {
  const row = rowFromSql(raw, RUN_COLUMNS);
  row.ingestion = { name: raw["ingestion.name"] };
  return row as unknown as RunRow;
}
