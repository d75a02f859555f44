// The reconcile step: files the warehouse ledger has and the metadata does not (a crash between
// the two commits) are recorded on the run that loaded them.
import type { ServiceDeps } from "@/server/deps";
import { UNFINISHED } from "../file-state";
import { recordFromLedger } from "../ledger-records";
import type { RunContext } from "./context";

/**
 * After a crash between the warehouse commit and the metadata update, the ledger knows files
 * the metadata does not: they are marked loaded, with the ledger's row counts, on the run that
 * loaded them (its ledger rows name it), never on this one, which did not. A run that had already
 * ended gets the status its files now give, its message saying so (recordFromLedger).
 */
export async function reconcileFromLedger(deps: ServiceDeps, ctx: RunContext): Promise<{ reconciled: number }> {
  const unfinished = await deps.db.processedFile.findMany({
    where: { ingestionId: ctx.ingestionId, status: { in: [...UNFINISHED] } },
    select: { id: true, path: true },
  });
  const destination = await deps.db.ingestion.findUniqueOrThrow({
    where: { id: ctx.ingestionId },
    select: { destinationSchema: true, destinationTable: true },
  });
  const target = { tenantKey: ctx.tenantKey, ingestionId: ctx.ingestionId, schema: destination.destinationSchema, table: destination.destinationTable };
  // A ledger row of a run that no longer exists: this run is the only one left to report it.
  const byRun = await recordFromLedger(deps, target, unfinished, ctx.runId);
  const reconciled = [...byRun.values()].reduce((n, k) => n + k, 0);
  if (reconciled > 0) {
    const runs = [...byRun].map(([id, k]) => `${id} (${k})`).join(", ");
    deps.log.warn(`[run ${ctx.runId}] recorded ${reconciled} file(s) from the warehouse ledger on the run that loaded them: ${runs}`);
  }
  return { reconciled };
}
