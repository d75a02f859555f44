import { cancelRun } from "@/server/services/runs/cancel-run";
import { getRun } from "@/server/services/runs/get-run";
import { listRuns } from "@/server/services/runs/list-runs";
import { retryRun } from "@/server/services/runs/retry-run";
import { triggerRun } from "@/server/services/runs/trigger-run";
import {
  byRunId,
  listRunsInput,
  listRunsOutput,
  retryRunOutput,
  runDetail,
  runView,
  triggerRunInput,
  triggerRunOutput,
} from "@/shared/contracts/runs";
import { editorProcedure, router, viewerProcedure } from "../trpc";

export const runsRouter = router({
  trigger: editorProcedure
    .meta({ audit: { action: "run.trigger", target: "ingestion" } })
    .input(triggerRunInput)
    .output(triggerRunOutput)
    .mutation(({ ctx, input }) => triggerRun(ctx.deps, ctx.auth.tenantId, input.ingestionId)),
  /** A new run of a FAILED or PARTIAL run's unfinished files, linked to it by retryOfRunId. */
  retry: editorProcedure
    .meta({ audit: { action: "run.retry", target: "run" } })
    .input(byRunId)
    .output(retryRunOutput)
    .mutation(({ ctx, input }) => retryRun(ctx.deps, ctx.auth.tenantId, input.id)),
  /** Cancels a queued run at once, a running one at its next batch boundary; returns the run as it is now. */
  cancel: editorProcedure
    .meta({ audit: { action: "run.cancel", target: "run" } })
    .input(byRunId)
    .output(runView)
    .mutation(({ ctx, input }) => cancelRun(ctx.deps, ctx.auth.tenantId, input.id)),
  list: viewerProcedure
    .input(listRunsInput)
    .output(listRunsOutput)
    .query(({ ctx, input }) => listRuns(ctx.deps, ctx.auth.tenantId, input)),
  get: viewerProcedure
    .input(byRunId)
    .output(runDetail)
    .query(({ ctx, input }) => getRun(ctx.deps, ctx.auth.tenantId, input.id)),
});
