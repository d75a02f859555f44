// The run-ingestion Inngest function: its registration (trigger, one run per ingestion at a
// time, concurrency keys, retries, onFailure). Its body is runs/executors/inngest.ts. Inngest's own
// concurrency keys (global, per tenant) bound the steps in progress as the database's slots bound runs.
import type { Inngest } from "inngest";
import type { ServiceDeps } from "@/server/deps";
import { executeOnInngest, failRunAfterRetries } from "@/server/runs/executors/inngest";
import type { RunLimits } from "@/server/runs/run-deps";
import { DEFAULT_RUN_LIMITS } from "@/server/runs/run-slots";
import { runRequested, runRequestedData } from "../events";

export const RUN_INGESTION_RETRIES = 3;

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
      return executeOnInngest(await getDeps(), data, step);
    },
  );
}
