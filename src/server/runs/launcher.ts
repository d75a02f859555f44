// Launches runs on Inngest, falling back to the direct executor when Inngest cannot be reached,
// refuses the event, or does not answer within the bound. The run row says who owns the run:
// it is marked INNGEST before the event is sent (so a fast worker finds it so) and DIRECT again
// on fallback, which makes a late-delivered event a no-op (see the run-ingestion function).
import type { Inngest } from "inngest";
import type { Db } from "@/server/db/database";
import type { DirectExecutor } from "./executors/direct";
import { markLaunchedOnInngest, takeBackFromInngest } from "./run-record";
import type { LaunchRequest, LaunchResult, Logger, RunLauncher } from "@/server/deps";
import { RUN_REQUESTED, type RunRequestedData } from "@/server/inngest/events";

export function createInngestLauncher(opts: {
  inngest: Pick<Inngest, "send">;
  fallback: DirectExecutor;
  db: Db;
  log: Logger;
  /** Upper bound on the whole send, retries included. */
  timeoutMs: number;
}): RunLauncher {
  return {
    kind: "inngest",
    async launch(request: LaunchRequest): Promise<LaunchResult> {
      await markLaunchedOnInngest(opts.db, request.runId, request.eventId);
      const data: RunRequestedData = { runId: request.runId, ingestionId: request.ingestionId, tenantId: request.tenantId };
      try {
        await withTimeout(opts.inngest.send({ name: RUN_REQUESTED, id: request.eventId, data }), opts.timeoutMs);
        return { method: "inngest", eventId: request.eventId };
      } catch (error) {
        // Take the run back only if Inngest has not started it: the event may still arrive
        // (the SDK retries in the background), and its function takes the run the same way (a
        // QUEUED one, or one a slot decision promoted, RUNNING with no step yet).
        if (!(await takeBackFromInngest(opts.db, request.runId))) return { method: "inngest", eventId: request.eventId };
        opts.log.warn(
          `[runs] Inngest did not take run ${request.runId} (${(error as Error).message}); running it in-process instead`,
        );
        opts.fallback.start(request.runId);
        return { method: "direct" };
      }
    },
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
