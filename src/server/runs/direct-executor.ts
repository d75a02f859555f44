// Runs the pipeline in this process: each step records its name on the run row, a heartbeat
// keeps the run from being taken for dead, and any error outside the per-file ones fails the
// run with its message. The staging directory is removed whatever happens.
import { rm } from "node:fs/promises";
import { engineMessage } from "@/server/engine/sql";
import type { RunLauncher, ServiceDeps } from "@/server/services/deps";
import { failRun, runPipeline, stagingDirFor } from "./pipeline";
import type { Step } from "./step";

const HEARTBEAT_MS = 30_000;

export interface DirectExecutor extends RunLauncher {
  /** Starts a run in the background and returns at once. */
  start(runId: string): void;
  /** Runs a QUEUED run to the end and returns its final status. */
  runNow(runId: string): Promise<{ status: string }>;
  /** Resolves when every run started in the background has ended. */
  idle(): Promise<void>;
}

export function createDirectExecutor(getDeps: () => ServiceDeps): DirectExecutor {
  const inFlight = new Set<Promise<unknown>>();

  async function runNow(runId: string): Promise<{ status: string }> {
    const deps = getDeps();
    const step: Step = {
      async run(id, fn) {
        const started = performance.now();
        const result = await fn();
        deps.log.info(`[run ${runId}] ${id}: ${Math.round(performance.now() - started)} ms`);
        return result;
      },
    };
    const heartbeat = setInterval(() => {
      deps.db.run
        .updateMany({ where: { id: runId, status: { in: ["QUEUED", "RUNNING"] } }, data: { updatedAt: deps.clock() } })
        .catch(() => undefined);
    }, HEARTBEAT_MS);
    heartbeat.unref();
    try {
      return await runPipeline(step, deps, runId);
    } catch (error) {
      const message = error instanceof Error && error.name === "SourceError" ? error.message : engineMessage(error);
      deps.log.error(`[run ${runId}] failed: ${message}`);
      // What it committed before the error still counts: the status comes from its files.
      return (await failRun(deps, runId, message)) ?? { status: "FAILED" };
    } finally {
      clearInterval(heartbeat);
      await rm(stagingDirFor(deps, runId), { recursive: true, force: true }).catch(() => undefined);
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
