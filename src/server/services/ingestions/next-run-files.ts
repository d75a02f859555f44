// What the next run of an ingestion would load, from a listing of its source: for refresh plans.
import { candidate, claimOrder, withinRunLimits, type ListedObject } from "@/server/domain/file-selection";
import { listBounded } from "@/server/sources/listing";
import { SourceError } from "@/server/sources/source";
import type { ServiceDeps } from "@/server/deps";
import type { IngestionRow } from "./ingestion-view";

export interface NextRunFiles {
  /** Files waiting to load after the refresh (all of them, over as many runs as the limits need). */
  pending: { files: number; bytes: number };
  /** What the first run takes, within the ingestion's per-run limits. */
  nextRun: { files: number; bytes: number };
  /** The listing stopped at `listLimit` objects: the counts are lower bounds. */
  truncated: boolean;
}

export const NEXT_RUN_LIST_LIMIT = 100_000;

/**
 * Lists the source as a run would (glob, markers, modifiedAfter, empty files skipped) and counts
 * what would load: every match when history is forgotten, otherwise only paths it has never seen.
 * A storage failure is returned as `error` (a plan is still useful without the listing).
 */
export async function nextRunFiles(
  deps: ServiceDeps,
  ingestion: IngestionRow,
  opts: { forgetHistory: boolean; listLimit?: number },
): Promise<NextRunFiles | { error: string }> {
  const limit = opts.listLimit ?? NEXT_RUN_LIST_LIMIT;
  // Only what loads counts: empty files are skipped by runs.
  const selected = candidate({ glob: ingestion.sourceGlob, modifiedAfter: ingestion.sourceModifiedAfter }, { emptyFiles: "exclude" });
  const wanted: ListedObject[] = [];
  let truncated: boolean;
  try {
    const source = await deps.engine.sources({
      tenantId: ingestion.tenantId,
      connectionId: ingestion.connectionId,
      sourcePath: ingestion.sourcePath,
    });
    ({ truncated } = await listBounded(source, limit, (objects) => {
      wanted.push(...objects.filter(selected));
    }));
  } catch (error) {
    if (error instanceof SourceError) return { error: error.message };
    throw error;
  }
  let fresh = wanted;
  if (!opts.forgetHistory) {
    const known = new Set<string>();
    for (let i = 0; i < wanted.length; i += 2000) {
      const rows = await deps.db.processedFile.findMany({
        where: { ingestionId: ingestion.id, path: { in: wanted.slice(i, i + 2000).map((w) => w.path) } },
        select: { path: true },
      });
      for (const r of rows) known.add(r.path);
    }
    fresh = wanted.filter((w) => !known.has(w.path));
  }
  // The order and limits of a run's claim: oldest first, within max files and max bytes.
  fresh.sort(claimOrder);
  const next = withinRunLimits(fresh, {
    maxFiles: ingestion.maxFilesPerRun,
    maxBytes: ingestion.maxBytesPerRun === null ? null : Number(ingestion.maxBytesPerRun),
  });
  return {
    pending: { files: fresh.length, bytes: fresh.reduce((n, f) => n + f.size, 0) },
    nextRun: { files: next.length, bytes: next.reduce((n, f) => n + f.size, 0) },
    truncated,
  };
}
