// Executes a run on Inngest: the pipeline's phases and file batches as durable steps, one run at
// a time per ingestion, retried, and marked FAILED when Inngest gives up. An event for a run this
// function does not own (finished, or taken over by the direct executor after a failed send) is
// skipped without touching the run. A run takes a slot first (run-slots.ts): without one it waits,
// and the function ends; the run's promoter sends a new event when a slot frees. Inngest's own
// concurrency keys (global, per tenant) bound the steps in progress the same way.
import { rm } from "node:fs/promises";
import { NonRetriableError, type Inngest } from "inngest";
import { DomainError } from "@/server/domain/errors";
import { engineMessage } from "@/server/engine/sql";
import { failRun, runPipeline, stagingDirFor } from "@/server/runs/pipeline";
import { CLAIMED_STEP, DEFAULT_RUN_LIMITS, launchPromoted, promoteWaitingRuns, startWaitingRuns, type RunLimits } from "@/server/runs/run-slots";
import type { Step } from "@/server/runs/step";
import type { ServiceDeps } from "@/server/services/deps";
import { runRequested, runRequestedData, type RunRequestedData } from "../events";

export const RUN_INGESTION_RETRIES = 3;
/** Like the direct executor's: a long step keeps the run from being taken for dead. */
const HEARTBEAT_MS = 30_000;

/**
 * Takes the run for this function, or says why not. Taking it is one conditional update: a QUEUED
 * run takes a slot (QUEUED → RUNNING, claimed, in the slot transaction), a run another's slot
 * decision promoted and launched here is claimed (RUNNING, INNGEST, no step yet); the launcher's
 * fallback is the same kind of update (→ DIRECT), so exactly one of Inngest and the direct
 * executor ever executes a run.
 */
export async function reasonToSkip(deps: ServiceDeps, data: RunRequestedData): Promise<string | null> {
  const now = deps.clock();
  const { count } = await deps.db.run.updateMany({
    where: { id: data.runId, ingestionId: data.ingestionId, status: "RUNNING", method: "INNGEST", currentStep: null },
    data: { currentStep: CLAIMED_STEP, updatedAt: now },
  });
  if (count === 1) return null;
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
  const touch = (data: { updatedAt: Date }) =>
    deps.db.run.updateMany({ where: { id: runId, status: { in: ["QUEUED", "RUNNING"] } }, data });
  const heartbeat = setInterval(() => {
    touch({ updatedAt: deps.clock() }).catch(() => undefined);
  }, HEARTBEAT_MS);
  heartbeat.unref();
  const started = performance.now();
  try {
    const result = await fn();
    deps.log.info(`[run ${runId}] ${id}: ${Math.round(performance.now() - started)} ms (inngest)`);
    return result;
  } catch (error) {
    // A refused state change or a missing ingestion stays refused: retrying cannot help.
    if (error instanceof DomainError) throw new NonRetriableError(error.message, { cause: error });
    throw error;
  } finally {
    clearInterval(heartbeat);
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
  // failRun leaves a run that is no longer active (e.g. skipped or owned by the direct executor) as it is.
  await failRun(deps, runId, message);
  await rm(stagingDirFor(deps, runId), { recursive: true, force: true }).catch(() => undefined);
  await startWaitingRuns(deps);
  return { runId, error: message };
}

export function createRunIngestionFunction(
  inngest: Inngest,
  getDeps: () => Promise<ServiceDeps>,
  limits: RunLimits = DEFAULT_RUN_LIMITS,
) {
  return inngest.createFunction(
    {
      id: "run-ingestion",
      name: "Run an ingestion",
      triggers: [runRequested],
      // One run per ingestion at a time; a second event while one runs is dropped (the database
      // guard already refuses a second active run).
      singleton: { key: "event.data.ingestionId", mode: "skip" },
      // Steps in progress, in all and per tenant; the database's slots bound whole runs.
      concurrency: [{ limit: limits.maxConcurrentRuns }, { key: "event.data.tenantId", limit: limits.maxConcurrentRunsPerTenant }],
      retries: RUN_INGESTION_RETRIES,
      onFailure: async (failure) => failRunAfterRetries(await getDeps(), failure),
    },
    async ({ event, step }) => {
      // The SDK validated the payload against the same schema; parsing here gives the types.
      const data = runRequestedData.parse(event.data);
      const deps = await getDeps();
      // A step, so the decision is made once: replays after "finish" must not re-read the row.
      const skipped = await step.run("check-run", () => reasonToSkip(deps, data));
      if (skipped) {
        deps.log.info(`[run ${data.runId}] event skipped: ${skipped}`);
        return { runId: data.runId, skipped };
      }
      const steps: Step = {
        // Every pipeline step returns plain JSON (ids, counts, strings): what comes back from
        // Inngest's memoized state is the same value, so its Jsonify<T> type is T.
        run: <T>(id: string, fn: () => Promise<T>) =>
          step.run(id, () => trackedStep(deps, data.runId, id, fn)) as Promise<T>,
      };
      const { status } = await runPipeline(steps, deps, data.runId);
      await rm(stagingDirFor(deps, data.runId), { recursive: true, force: true }).catch(() => undefined);
      // Its slot is free: the oldest waiting runs that fit start (their events are sent here).
      const started = await step.run("start-waiting-runs", () => startWaitingRuns(deps));
      return { runId: data.runId, status, ...(started.length > 0 ? { startedWaiting: started } : {}) };
    },
  );
}
