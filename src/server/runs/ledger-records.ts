// Files the warehouse committed but the metadata never recorded (the process died in between):
// recorded from the warehouse ledger on the run that loaded them, whose row there says which.
import { ledgerRowsOf } from "@/server/engine/ledger";
import type { ServiceDeps } from "@/server/services/deps";
import { markLoadedFromLedger } from "./file-state";

export interface LedgerTarget {
  tenantKey: string;
  ingestionId: string;
  schema: string;
  table: string;
}

const CHUNK = 1000;

/**
 * Marks the `files` the ledger holds loaded, each on the run its ledger row names (or on
 * `fallbackRunId` when that run no longer exists), counted on that run. Returns how many files
 * each run was given.
 */
export async function recordFromLedger(
  deps: ServiceDeps,
  target: LedgerTarget,
  files: { id: string; path: string }[],
  fallbackRunId: string,
): Promise<Map<string, number>> {
  const scope = { ingestionId: target.ingestionId, schema: target.schema, table: target.table };
  const recorded = new Map<string, number>();
  for (let i = 0; i < files.length; i += CHUNK) {
    const chunk = files.slice(i, i + CHUNK);
    const inLedger = await deps.engine.warehouse.withConnection(target.tenantKey, (c) => ledgerRowsOf(c, scope, chunk.map((f) => f.path)));
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
  return recorded;
}
