// Runs the pipeline in this process: each step records its name on the run row, a heartbeat
// keeps the run from being taken for dead, and any error outside the per-file ones fails the
// run with its message. The staging directory is removed whatever happens. A QUEUED run first
// takes a slot (run-slots.ts); without one it waits, and the end of every run starts waiting ones.
import type { RunLauncher, ServiceDeps } from "@/server/deps";
import { engineMessage } from "@/server/engine/sql";
import { afterRun, endFailedRun, startHeartbeat } from "../heartbeat";
import { runPipeline } from "../pipeline";
import { markWaiting } from "../run-record";
import { launchPromoted, promoteWaitingRuns } from "../run-slots";
import type { Step } from "../step";

export interface DirectExecutor extends RunLauncher {
  /** Starts a run in the background and returns at once. */
  start(runId: string): void;
  /**
   * Runs a run to the end and returns its final status; a QUEUED run that finds no free slot
   * waits (status QUEUED) and is started when one frees.
   */
  runNow(runId: string): Promise<{ status: string }>;
  /** Resolves when every run started in the background has ended. */
  idle(): Promise<void>;
}

export function createDirectExecutor(getDeps: () => ServiceDeps): DirectExecutor {
  const inFlight = new Set<Promise<unknown>>();

  async function runNow(runId: string): Promise<{ status: string }> {
    const deps = getDeps();
    const row = await deps.db.run.findUnique({ where: { id: runId }, select: { status: true } });
    if (row?.status === "QUEUED") {
      const { promoted, candidate } = await promoteWaitingRuns(deps, { candidate: runId }).catch(async (error: unknown) => {
        // No decision (the database failed it): the run waits its turn, so the next run that ends
        // or the next scheduler tick starts it, rather than staying QUEUED for nobody.
        deps.log.error(`[run ${runId}] could not take a slot: ${(error as Error).message}; it waits for one`);
        await markWaiting(deps, runId);
        return { promoted: [], candidate: "waiting" as const };
      });
      await launchPromoted(deps, promoted);
      if (candidate === "waiting") {
        deps.log.info(`[run ${runId}] waiting for a slot`);
        return { status: "QUEUED" };
      }
      if (candidate === "not-queued") {
        // Cancelled, or a maintenance hold: nothing to run.
        const now = await deps.db.run.findUnique({ where: { id: runId }, select: { status: true } });
        return { status: now?.status ?? "FAILED" };
      }
    }
    // Ended already (cancelled before it started, say): nothing to run.
    if (row && row.status !== "QUEUED" && row.status !== "RUNNING") return { status: row.status };
    return executeRun(deps, runId);
  }

  async function executeRun(deps: ServiceDeps, runId: string): Promise<{ status: string }> {
    const step: Step = {
      async run(id, fn) {
        const started = performance.now();
        const result = await fn();
        deps.log.info(`[run ${runId}] ${id}: ${Math.round(performance.now() - started)} ms`);
        return result;
      },
    };
    const stopHeartbeat = startHeartbeat(deps, runId);
    try {
      return await runPipeline(step, deps, runId);
    } catch (error) {
      const message = error instanceof Error && error.name === "SourceError" ? error.message : engineMessage(error);
      deps.log.error(`[run ${runId}] failed: ${message}`);
      // What it committed before the error still counts: the status comes from its files.
      return (await endFailedRun(deps, runId, message)) ?? { status: "FAILED" };
    } finally {
      stopHeartbeat();
      await afterRun(deps, runId, { logErrors: true });
    }
  }

  function start(runId: string) {
    const p = runNow(runId)
      .catch((error: unknown) => getDeps().log.error(`[run ${runId}] executor error: ${String(error)}`))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  }

  return {
    kind: "direct",
    runNow,
    start,
    async launch(request) {
      start(request.runId);
      return { method: "direct" };
    },
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
