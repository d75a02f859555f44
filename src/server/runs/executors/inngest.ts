// Executes a run on Inngest (the body of the run-ingestion function, registered in
// inngest/functions/run-ingestion.ts): the pipeline's phases and file batches as durable steps,
// retried, and ended from its files when Inngest gives up. An event for a run this function does
// not own (finished, or taken over by the direct executor after a failed send) is skipped without
// touching the run. A run takes a slot first (run-slots.ts): without one it waits, and the function
// ends; the run's promoter sends a new event when a slot frees.
import { NonRetriableError } from "inngest";
import type { ServiceDeps } from "@/server/deps";
import { DomainError } from "@/server/domain/errors";
import { engineMessage } from "@/server/engine/sql";
import { runRequestedData, type RunRequestedData } from "@/server/inngest/events";
import { afterRun, endFailedRun, withHeartbeat } from "../heartbeat";
import { runPipeline } from "../pipeline";
import { claimForInngest } from "../run-record";
import { launchPromoted, promoteWaitingRuns, startWaitingRuns } from "../run-slots";
import { removeStaging } from "../staging";
import type { Step } from "../step";

/**
 * Takes the run for this function, or says why not. Taking it is one conditional update: a QUEUED
 * run takes a slot (QUEUED → RUNNING, claimed, in the slot transaction), a run another's slot
 * decision promoted and launched here is claimed (RUNNING, INNGEST, no step yet); the launcher's
 * fallback is the same kind of update (→ DIRECT), so exactly one of Inngest and the direct
 * executor ever executes a run.
 */
export async function reasonToSkip(deps: ServiceDeps, data: RunRequestedData): Promise<string | null> {
  if (await claimForInngest(deps, data)) return null;
  const found = await deps.db.run.findUnique({
    where: { id: data.runId },
    select: { status: true, method: true, ingestionId: true },
  });
  if (!found) return `run ${data.runId} does not exist`;
  if (found.ingestionId !== data.ingestionId) {
    return `run ${data.runId} belongs to ingestion ${found.ingestionId}, not ${data.ingestionId}`;
  }
  let run = found;
  if (run.status === "QUEUED" && run.method === "INNGEST") {
    const { promoted, candidate } = await promoteWaitingRuns(deps, { candidate: data.runId });
    await launchPromoted(deps, promoted);
    if (candidate === "started") return null;
    if (candidate === "waiting") return `run ${data.runId} is waiting for a slot; it starts when one frees`;
    run = (await deps.db.run.findUnique({ where: { id: data.runId }, select: { status: true, method: true, ingestionId: true } })) ?? run;
  }
  if (run.status !== "QUEUED" && run.status !== "RUNNING") return `run ${data.runId} already finished as ${run.status}`;
  if (run.method === "DIRECT") {
    return `run ${data.runId} is executed in-process: the trigger fell back to the direct executor`;
  }
  // RUNNING on Inngest: this function took it in an attempt whose result was not recorded.
  return null;
}

/** One pipeline step's work (the pipeline names the step on the run row), with a heartbeat. */
async function trackedStep<T>(deps: ServiceDeps, runId: string, id: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    const result = await withHeartbeat(deps, runId, fn);
    deps.log.info(`[run ${runId}] ${id}: ${Math.round(performance.now() - started)} ms (inngest)`);
    return result;
  } catch (error) {
    // A refused state change or a missing ingestion stays refused: retrying cannot help.
    if (error instanceof DomainError) throw new NonRetriableError(error.message, { cause: error });
    throw error;
  }
}

/** The two fields of Inngest's `onFailure` input this function reads. */
export interface RunFailure {
  /** `inngest/function.failed`, carrying the event the failed run was started by. */
  event: { data: { event: { data?: unknown } } };
  error: unknown;
}

/** After the last retry: the run ends from its files (what it committed counts), the error first in its message, its claims freed. */
export async function failRunAfterRetries(deps: ServiceDeps, failure: RunFailure): Promise<{ runId: string; error: string }> {
  const { runId } = runRequestedData.parse(failure.event.data.event.data);
  // Inngest hands over the final error deserialized; a plain { message } is taken as it is.
  const error = failure.error;
  const message = engineMessage(
    !(error instanceof Error) && typeof error === "object" && error !== null && "message" in error && typeof error.message === "string"
      ? new Error(error.message)
      : error,
  );
  deps.log.error(`[run ${runId}] failed on Inngest: ${message}`);
  // A run that is no longer active (e.g. skipped or owned by the direct executor) is left as it is.
  await endFailedRun(deps, runId, message);
  await afterRun(deps, runId, { logErrors: false });
  return { runId, error: message };
}

/** Inngest's durable step runner, as the function receives it. */
export interface InngestStep {
  run<T>(id: string, fn: () => Promise<T>): Promise<unknown>;
}

/** The function's body: takes the run (or skips the event), runs the pipeline as durable steps, then starts waiting runs. */
export async function executeOnInngest(deps: ServiceDeps, data: RunRequestedData, step: InngestStep) {
  // A step, so the decision is made once: replays after "finish" must not re-read the row.
  const skipped = (await step.run("check-run", () => reasonToSkip(deps, data))) as string | null;
  if (skipped) {
    deps.log.info(`[run ${data.runId}] event skipped: ${skipped}`);
    return { runId: data.runId, skipped };
  }
  const steps: Step = {
    // Every pipeline step returns plain JSON (ids, counts, strings): what comes back from
    // Inngest's memoized state is the same value, so its Jsonify<T> type is T.
    run: <T>(id: string, fn: () => Promise<T>) => step.run(id, () => trackedStep(deps, data.runId, id, fn)) as Promise<T>,
  };
  const { status } = await runPipeline(steps, deps, data.runId);
  await removeStaging(deps, data.runId);
  // Its slot is free: the oldest waiting runs that fit start (their events are sent here).
  const started = (await step.run("start-waiting-runs", () => startWaitingRuns(deps))) as string[];
  return { runId: data.runId, status, ...(started.length > 0 ? { startedWaiting: started } : {}) };
}
