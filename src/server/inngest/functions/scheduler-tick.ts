// Inngest's cron: once a minute, start a run for every active ingestion that is due. The tick
// logic is the embedded scheduler's; with Inngest configured, each run it starts is sent back to
// Inngest as an `autoloader/run.requested` event whose id (`${ingestionId}:${slot}`) makes a
// repeated tick harmless.
import { cron, type Inngest } from "inngest";
import { runSchedulerTick } from "@/server/scheduling/scheduler-tick";
import type { ServiceDeps } from "@/server/deps";

export const SCHEDULER_TICK_CRON = "* * * * *";

export function createSchedulerTickFunction(inngest: Inngest, getDeps: () => Promise<ServiceDeps>) {
  return inngest.createFunction(
    {
      id: "scheduler-tick",
      name: "Scheduler tick",
      triggers: [cron(SCHEDULER_TICK_CRON)],
      // A slow tick is not overlapped by the next one; the compare-and-set on each ingestion's
      // fire time keeps overlapping ticks apart anyway.
      singleton: { mode: "skip" },
      // The next minute's tick is the retry: a retried tick would only find the same work later.
      retries: 0,
    },
    async ({ step }) =>
      // The result is counts and ids (one entry per due ingestion), never rows.
      step.run("tick", async () => runSchedulerTick(await getDeps())),
  );
}
