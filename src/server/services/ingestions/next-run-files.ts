// What the next run of an ingestion would load, from a listing of its source: for refresh plans.
import { matcher } from "@/server/sources/matcher";
import { listAll, SourceError } from "@/server/sources/source";
import type { ServiceDeps } from "../deps";
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
  const matches = matcher(ingestion.sourceGlob);
  const after = ingestion.sourceModifiedAfter;
  const wanted: { path: string; size: number; lastModified: Date }[] = [];
  let listed = 0;
  let truncated = false;
  try {
    const source = await deps.engine.sources({
      tenantId: ingestion.tenantId,
      connectionId: ingestion.connectionId,
      sourcePath: ingestion.sourcePath,
    });
    for await (const page of listAll(source)) {
      for (const o of page) {
        if (listed >= limit) {
          truncated = true;
          break;
        }
        listed += 1;
        if (o.size > 0 && matches(o.path) && (!after || o.lastModified > after)) wanted.push(o);
      }
      if (truncated) break;
    }
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
  fresh.sort((a, b) => a.lastModified.getTime() - b.lastModified.getTime() || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const maxFiles = ingestion.maxFilesPerRun ?? Number.POSITIVE_INFINITY;
  const maxBytes = ingestion.maxBytesPerRun === null ? Number.POSITIVE_INFINITY : Number(ingestion.maxBytesPerRun);
  let nextFiles = 0;
  let nextBytes = 0;
  for (const f of fresh) {
    if (nextFiles >= maxFiles || (nextFiles > 0 && nextBytes + f.size > maxBytes)) break;
    nextFiles += 1;
    nextBytes += f.size;
  }
  return {
    pending: { files: fresh.length, bytes: fresh.reduce((n, f) => n + f.size, 0) },
    nextRun: { files: nextFiles, bytes: nextBytes },
    truncated,
  };
}
