// What both executors do around the pipeline: a heartbeat while a step works (so a long step is
// not taken for dead), and the end of a run an error stopped: failed from its files, its staging
// directory removed, and the slot it held given to waiting runs.
import type { ServiceDeps } from "@/server/deps";
import { touchActiveRun } from "./run-record";
import { startWaitingRuns } from "./run-slots";
import { removeStaging } from "./staging";
import { failRun } from "./steps/finish";

export const HEARTBEAT_MS = 30_000;

/** Beats every HEARTBEAT_MS until the returned stop is called. */
export function startHeartbeat(deps: ServiceDeps, runId: string): () => void {
  const timer = setInterval(() => {
    touchActiveRun(deps, runId).catch(() => undefined);
  }, HEARTBEAT_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** `fn` with the run's heartbeat beating. */
export async function withHeartbeat<T>(deps: ServiceDeps, runId: string, fn: () => Promise<T>): Promise<T> {
  const stop = startHeartbeat(deps, runId);
  try {
    return await fn();
  } finally {
    stop();
  }
}

/**
 * Ends a run an error outside the per-file ones stopped, with `message` as the cause (what it
 * committed still counts: the status comes from its files); a run no longer active (ended, or
 * owned by the other executor) is left as it is: null.
 */
export async function endFailedRun(deps: ServiceDeps, runId: string, message: string): Promise<{ status: string } | null> {
  return failRun(deps, runId, message);
}

/**
 * After a run, whatever ended it: its staging directory is removed and, its slot being free, the
 * oldest waiting runs that fit start now (their ids). `logErrors`: a failure to start them is
 * logged, not thrown (the direct executor; Inngest retries the step instead).
 */
export async function afterRun(deps: ServiceDeps, runId: string, opts: { logErrors: boolean }): Promise<string[]> {
  await removeStaging(deps, runId);
  if (!opts.logErrors) return startWaitingRuns(deps);
  return startWaitingRuns(deps).catch((error: unknown) => {
    deps.log.error(`[runs] could not start waiting runs: ${(error as Error).message}`);
    return [];
  });
}
