// The finish step, and the end of a run an error stopped: both end it from its files (run-end.ts)
// and keep the ingestion's next fire time in the future.
import type { ServiceDeps } from "@/server/deps";
import { refreshNextRun } from "../next-run";
import { endRunFromFiles } from "../run-end";
import type { RunContext } from "./context";

/**
 * Ends the run with the status its own files give: none loaded or failed means nothing new
 * (endRunFromFiles, where every run ends).
 */
export async function finishRun(deps: ServiceDeps, ctx: RunContext, opts: { cancelled?: boolean } = {}): Promise<{ status: string }> {
  const requestedAt = opts.cancelled
    ? (await deps.db.run.findUnique({ where: { id: ctx.runId }, select: { cancelRequestedAt: true } }))?.cancelRequestedAt
    : null;
  const ended = await endRunFromFiles(deps, ctx.runId, requestedAt ? { kind: "cancelled", requestedAt } : { kind: "finished" });
  // Not active any more: endRunFromFiles refused that; null only if the row is gone.
  if (!ended) throw new Error(`Run ${ctx.runId} no longer exists`);
  await refreshNextRun(deps, ctx.ingestionId, ended.at);
  return { status: ended.status };
}

/**
 * Ends a run that an error outside the per-file ones stopped, with `message` as the cause: what it
 * committed is recorded from the warehouse ledger on it, its other claims are freed, and its
 * status comes from its files (FAILED when none loaded). A run no longer active is left as it is.
 */
export async function failRun(deps: ServiceDeps, runId: string, message: string): Promise<{ status: string } | null> {
  const ended = await endRunFromFiles(deps, runId, { kind: "failed", cause: message });
  if (ended) await refreshNextRun(deps, ended.ingestionId, ended.at);
  return ended ? { status: ended.status } : null;
}
