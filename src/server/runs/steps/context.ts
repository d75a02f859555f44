// What the steps pass along (plain JSON), and what several steps read of the run and its ingestion.
import type { ServiceDeps } from "@/server/deps";

/** What the steps pass along: everything here is plain JSON. */
export interface RunContext {
  runId: string;
  ingestionId: string;
  tenantKey: string;
  /** Set for a retry of a run that had files: only that run's unfinished files load. */
  retryOf?: string | null;
}

export async function loadIngestion(deps: ServiceDeps, ingestionId: string) {
  return deps.db.ingestion.findUniqueOrThrow({
    where: { id: ingestionId },
    select: {
      id: true,
      tenantId: true,
      connectionId: true,
      sourcePath: true,
      sourceUri: true,
      sourceGlob: true,
      sourceModifiedAfter: true,
      listingMode: true,
      fullListingEveryHours: true,
      listingHighWaterPath: true,
      lastFullListingAt: true,
      format: true,
      formatOptions: true,
      destinationSchema: true,
      destinationTable: true,
      evolutionMode: true,
      schemaHints: true,
      maxFilesPerRun: true,
      maxBytesPerRun: true,
      tenant: { select: { slug: true } },
    },
  });
}

/** Whether runs.cancel asked this run to stop: checked at each batch boundary, inside the step. */
export async function cancelRequested(deps: ServiceDeps, runId: string): Promise<boolean> {
  const run = await deps.db.run.findUnique({ where: { id: runId }, select: { cancelRequestedAt: true } });
  return run?.cancelRequestedAt != null;
}
