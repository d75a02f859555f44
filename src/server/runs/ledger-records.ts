// Files the warehouse committed but the metadata never recorded (the process died in between):
// recorded from the warehouse ledger on the run that loaded them, whose row there says which.
import { stoppedRunStatusFrom } from "@/server/domain/run-outcome";
import { ACTIVE_RUN_STATUSES } from "@/server/domain/status-transitions";
import { destinationOf } from "@/server/engine/destinations/destination-of";
import type { ServiceDeps } from "@/server/deps";
import { markLoadedFromLedger } from "./file-state";
import { amendEndedRun } from "./run-record";

export interface LedgerTarget {
  tenantKey: string;
  ingestionId: string;
  schema: string;
  table: string;
}

const CHUNK = 1000;

/**
 * Marks the `files` the ledger holds loaded, each on the run its ledger row names (or on
 * `fallbackRunId` when that run no longer exists), counted on that run. A run that had already
 * ended (its ledger could not be read then) gets the status its files now give and a message that
 * says so (amendFromLedger). Returns how many files each run was given.
 */
export async function recordFromLedger(
  deps: ServiceDeps,
  target: LedgerTarget,
  files: { id: string; path: string }[],
  fallbackRunId: string,
): Promise<Map<string, number>> {
  const scope = { ingestionId: target.ingestionId, schema: target.schema, table: target.table };
  const recorded = new Map<string, number>();
  const destination = destinationOf(deps.engine, { tenantKey: target.tenantKey });
  for (let i = 0; i < files.length; i += CHUNK) {
    const chunk = files.slice(i, i + CHUNK);
    const inLedger = await destination.ledgerEntries(scope, chunk.map((f) => f.path));
    if (inLedger.size === 0) continue;
    const byRun = new Map<string, { id: string; rows: number }[]>();
    for (const f of chunk) {
      const l = inLedger.get(f.path);
      if (l) byRun.set(l.runId, [...(byRun.get(l.runId) ?? []), { id: f.id, rows: l.rows }]);
    }
    const runs = await deps.db.run.findMany({ where: { id: { in: [...byRun.keys()] } }, select: { id: true } });
    const known = new Set(runs.map((r) => r.id));
    for (const [runId, loaded] of byRun) {
      const to = known.has(runId) ? runId : fallbackRunId;
      const n = await markLoadedFromLedger(deps.db, to, loaded, deps.clock());
      if (n > 0) recorded.set(to, (recorded.get(to) ?? 0) + n);
    }
  }
  for (const [runId, n] of recorded) await amendFromLedger(deps, runId, n);
  return recorded;
}

/**
 * A run that had ended before `recorded` of its files were recorded on it (their counts are on
 * it already, markLoadedFromLedger): its status follows its files again — SUCCEEDED once every
 * file it held has loaded, PARTIAL while some failed or wait in the queue — and its message says
 * what was recorded later. An active run is left alone: it ends from its files itself.
 */
async function amendFromLedger(deps: ServiceDeps, runId: string, recorded: number): Promise<void> {
  const run = await deps.db.run.findUnique({
    where: { id: runId },
    select: { status: true, error: true, ingestionId: true, finishedAt: true, filesLoaded: true, filesFailed: true },
  });
  if (!run || ACTIVE_RUN_STATUSES.includes(run.status)) return;
  // Files it held and gave back that no run has loaded since (they still name it; no attempt of it).
  const unfinished = await deps.db.processedFile.count({
    where: { runId, status: { in: ["PENDING", "PROCESSING"] }, attempts: { none: { runId } } },
  });
  const status = stoppedRunStatusFrom({ loaded: run.filesLoaded, failed: run.filesFailed, unfinished });
  const note = `${recorded} file(s) it had committed were recorded later from the warehouse ledger`;
  await amendEndedRun(deps, runId, run.status, { status, error: run.error ? `${run.error}; ${note}` : note });
  if (status === run.status) return;
  // The ingestion's last run, if it still is this one, says so too.
  if (run.finishedAt) {
    await deps.db.ingestion.updateMany({ where: { id: run.ingestionId, lastRunAt: run.finishedAt }, data: { lastRunStatus: status } });
  }
  deps.log.warn(`[run ${runId}] is ${status} now: ${note}`);
}
