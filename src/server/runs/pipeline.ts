// The run pipeline, written once as named steps (their bodies in steps/): Inngest runs each step
// durably, the direct executor runs them in-process. Step results are small JSON: ids and counts,
// never rows.
import type { ServiceDeps } from "@/server/deps";
import { releaseClaims } from "./file-state";
import { markStep } from "./run-record";
import type { Step } from "./step";
import { claimForRun } from "./steps/claim";
import { discoverFiles } from "./steps/discover";
import { finishRun } from "./steps/finish";
import { loadClaimedBatch } from "./steps/load-batch";
import { reconcileFromLedger } from "./steps/reconcile";
import { startRun } from "./steps/start";

/**
 * The whole run, as steps. Each step first records its name on the run row (which is also the
 * run's heartbeat), inside the step, so a durable executor does it once per step.
 */
export async function runPipeline(executor: Step, deps: ServiceDeps, runId: string): Promise<{ status: string }> {
  const step: Step = {
    run: (id, fn) =>
      executor.run(id, async () => {
        await markStep(deps, runId, id);
        return fn();
      }),
  };
  const ctx = await step.run("start", () => startRun(deps, runId));
  await step.run("reconcile", () => reconcileFromLedger(deps, ctx));
  await step.run("discover", () => discoverFiles(deps, ctx));
  const claim = await step.run("claim", () => claimForRun(deps, ctx));
  // Each batch is a boundary: a cancel stops the run there, and so does its byte limit.
  let stop: "cancelled" | "byte-limit" | null = claim.cancelled ? "cancelled" : null;
  let readBytes = 0;
  for (const [i, batch] of claim.batches.entries()) {
    if (stop) break;
    const budget = { readBytes };
    const r = await step.run(`load-batch-${i + 1}`, () => loadClaimedBatch(deps, ctx, batch, budget));
    if (r.cancelled) stop = "cancelled";
    else if (r.limitReached) stop = "byte-limit";
    readBytes = r.readBytes ?? readBytes;
  }
  // Past the limit, the files of the batches not loaded wait for the next run (the run succeeded at what it may do).
  if (stop === "byte-limit") await step.run("release-over-limit", () => releaseClaims(deps.db, ctx.runId, deps.clock()));
  return step.run("finish", () => finishRun(deps, ctx, { cancelled: stop === "cancelled" }));
}
