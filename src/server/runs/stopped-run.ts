// Ends a run whose process died (its heartbeat stopped), from its files (endRunFromFiles): what it
// committed to the warehouse is recorded from the ledger on it, its unfinished files return to the
// queue, and its status comes from its files, with a message that says when it really stopped.
import type { RunStatusValue } from "@/server/domain/status-transitions";
import type { ServiceDeps } from "@/server/services/deps";
import { refreshNextRun } from "./next-run";
import { endRunFromFiles } from "./run-end";

export interface StoppedRun {
  id: string;
  ingestionId: string;
  startedAt: Date | null;
  /** Its last heartbeat: every step and the executors' heartbeat touch it. */
  updatedAt: Date;
}

/** The status it ended with, or null when it was no longer active (another process ended it). */
export async function endStoppedRun(deps: ServiceDeps, run: StoppedRun): Promise<RunStatusValue | null> {
  const ended = await endRunFromFiles(deps, run.id, { kind: "stopped", lastHeartbeat: run.updatedAt });
  if (!ended) return null;
  await refreshNextRun(deps, ended.ingestionId, deps.clock());
  deps.log.warn(`[run ${run.id}] ended ${ended.status}: ${ended.error}`);
  return ended.status;
}
