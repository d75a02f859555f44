// The load-batch step: a batch of claimed files is fetched (staged), bounded by the run's byte
// limit, written to its destination with its ledger entries, and recorded: each file's state, the
// run's counts, the table's schema version and the run's warnings.
import { mkdir } from "node:fs/promises";
import { z } from "zod";
import type { ServiceDeps } from "@/server/deps";
import { formatSchema } from "@/shared/contracts/ingestions";
import { mapLimit } from "@/server/domain/map-limit";
import { diffSchemas, isEmptyDiff, type Column } from "@/server/domain/schema-evolution";
import type { BatchFile, BatchOutcome, LoadWarning } from "@/server/engine/destinations/destination";
import { destinationOf } from "@/server/engine/destinations/destination-of";
import { SourceError, type Source } from "@/server/sources/source";
import { markFailed, markLoaded, markMissing, renewLeases } from "../file-state";
import { readSizeOf } from "../read-size";
import { addRunWarnings, touchRun } from "../run-record";
import { stagingDirFor } from "../staging";
import { cancelRequested, loadIngestion, type RunContext } from "./context";

/**
 * Makes the batch's files readable locally; a file that cannot be fetched fails alone, as a
 * storage (TRANSIENT) failure, and one that is gone from the source is `missing`.
 */
async function localizeBatch(deps: ServiceDeps, source: Source, runId: string, files: { id: string; path: string }[]) {
  const staging = stagingDirFor(deps, runId);
  if (source.type === "S3") await mkdir(staging, { recursive: true });
  const results = await mapLimit(files, deps.engine.settings.downloadConcurrency, async (f) => {
    try {
      return { ok: true as const, file: { id: f.id, path: f.path, localPath: await source.localize(f.path, staging) } };
    } catch (error) {
      if (error instanceof SourceError) return { ok: false as const, id: f.id, path: f.path, error: error.message, code: error.code };
      throw error;
    }
  });
  const ready: BatchFile[] = [];
  const failed: { id: string; path: string; error: string; kind: "TRANSIENT" }[] = [];
  const missing: { id: string; path: string; error: string }[] = [];
  for (const r of results) {
    if (r.ok) ready.push(r.file);
    else if (r.code === "NOT_FOUND") missing.push({ id: r.id, path: r.path, error: `Gone from the source: ${r.error}; it loads again if the source lists it` });
    else failed.push({ id: r.id, path: r.path, error: r.error, kind: "TRANSIENT" });
  }
  return { ready, failed, missing };
}

async function recordSchemaVersion(deps: ServiceDeps, ctx: RunContext, columns: Column[] | null, warnings: LoadWarning[]) {
  if (!columns) return;
  const latest = await deps.db.schemaVersion.findFirst({
    where: { ingestionId: ctx.ingestionId },
    orderBy: { version: "desc" },
    select: { version: true, columns: true },
  });
  const before = latest ? (latest.columns as unknown as Column[]) : [];
  const diff = diffSchemas(before, columns);
  if (latest && isEmptyDiff(diff)) return;
  await deps.db.schemaVersion.create({
    data: {
      ingestionId: ctx.ingestionId,
      version: (latest?.version ?? 0) + 1,
      columns: columns as unknown as object[],
      diff: diff as unknown as object,
      // The warnings are about the columns this batch created: they belong to this version.
      warnings: warnings as unknown as object[],
      runId: ctx.runId,
    },
  });
}

/** What a batch step returns: counts, and why the run stops early, if it does. */
export interface BatchResult {
  loaded: number;
  failed: number;
  rows: number;
  bytes: number;
  /** Bytes read so far by the run, counted against maxBytesPerRun (uncompressed when known); set when it has one. */
  readBytes?: number;
  /** The run reached maxBytesPerRun: the batch's files beyond it went back to pending. */
  limitReached?: true;
  /** runs.cancel asked the run to stop: this batch was not loaded. */
  cancelled?: true;
}

/**
 * Applies maxBytesPerRun to a batch's local files, in load order, by what loading reads
 * (readSizeOf): the files that fit are kept; past the limit the rest wait for the next run; a
 * file that alone exceeds the limit (the run's first) fails as DATA, naming both sizes.
 */
async function withinByteLimit(
  ready: BatchFile[],
  limit: number,
  readBefore: number,
): Promise<{ kept: BatchFile[]; over: BatchFile[]; tooLarge: { id: string; path: string; error: string; kind: "DATA" }[]; readBytes: number }> {
  const kept: BatchFile[] = [];
  const over: BatchFile[] = [];
  const tooLarge: { id: string; path: string; error: string; kind: "DATA" }[] = [];
  let read = readBefore;
  for (const f of ready) {
    if (over.length > 0) {
      over.push(f);
      continue;
    }
    // Counting stops once the file would not fit anyway: at most the limit's worth of inflating.
    const size = await readSizeOf(f.localPath, limit - read);
    if (read + size.bytes <= limit) {
      kept.push(f);
      read += size.bytes;
    } else if (read === 0) {
      // Counting stopped past the limit: the file reads at least that much.
      const what = size.atLeast
        ? `over ${limit} bytes uncompressed (${size.stored} bytes ${size.compression ?? "stored"})`
        : size.compression
          ? `${size.bytes} bytes uncompressed (${size.stored} bytes ${size.compression})`
          : `${size.bytes} bytes`;
      tooLarge.push({
        id: f.id,
        path: f.path,
        kind: "DATA",
        error: `The file alone reads ${what}, more than the ingestion's maxBytesPerRun of ${limit} bytes; raise limits.maxBytesPerRun to load it`,
      });
    } else {
      over.push(f);
    }
  }
  return { kept, over, tooLarge, readBytes: read };
}

export async function loadClaimedBatch(
  deps: ServiceDeps,
  ctx: RunContext,
  fileIds: string[],
  budget: { readBytes: number } = { readBytes: 0 },
): Promise<BatchResult> {
  if (await cancelRequested(deps, ctx.runId)) return { loaded: 0, failed: 0, rows: 0, bytes: 0, cancelled: true };
  const ingestion = await loadIngestion(deps, ctx.ingestionId);
  // The ids go as one JSON parameter: thousands of bound parameters (an IN list) cost more than the query.
  const files = await deps.db.$queryRaw<{ id: string; path: string; size: bigint }[]>`
    SELECT f.id, f.path, f.size FROM "ProcessedFile" AS f
    WHERE f.id IN (SELECT json_array_elements_text(${JSON.stringify(fileIds)}::json))
      AND f."runId" = ${ctx.runId} AND f.status = 'PROCESSING'
    ORDER BY f."lastModified", f.path`;
  const source = await deps.engine.sources({ tenantId: ingestion.tenantId, connectionId: ingestion.connectionId, sourcePath: ingestion.sourcePath });
  const localized = await localizeBatch(deps, source, ctx.runId, files);
  const { missing } = localized;
  let { ready } = localized;
  const fetchFailed: { id: string; path: string; error: string; kind: "TRANSIENT" | "DATA" }[] = localized.failed;
  const limit = ingestion.maxBytesPerRun === null ? null : Number(ingestion.maxBytesPerRun);
  let overLimit: BatchFile[] = [];
  let readBytes: number | undefined;
  let outcome: BatchOutcome;
  try {
    if (limit !== null) {
      const bounded = await withinByteLimit(ready, limit, budget.readBytes);
      ready = bounded.kept;
      overLimit = bounded.over;
      readBytes = bounded.readBytes;
      fetchFailed.push(...bounded.tooLarge);
      if (overLimit.length > 0) {
        // Back to the queue as they were, no retry counted: the next run takes them first.
        await releaseFiles(deps, ctx.runId, overLimit.map((f) => f.id));
        await source.release(overLimit.map((f) => f.localPath));
        deps.log.info(`[run ${ctx.runId}] maxBytesPerRun (${limit} bytes) reached: ${overLimit.length} file(s) wait for the next run`);
      }
    }
    const format = formatSchema.parse({ type: ingestion.format, options: ingestion.formatOptions });
    outcome = await destinationOf(deps.engine, { tenantKey: ctx.tenantKey }).writeBatch(
      {
        ingestionId: ctx.ingestionId,
        runId: ctx.runId,
        schema: ingestion.destinationSchema,
        table: ingestion.destinationTable,
        format,
        mode: ingestion.evolutionMode,
        hints: z.record(z.string(), z.string()).parse(ingestion.schemaHints ?? {}),
        uriPrefix: source.uriOf(""),
      },
      ready,
      deps.engine.hooks,
    );
  } finally {
    // DuckDB is done with the batch (or it never got there): close what localize opened, remove
    // what it staged. Releasing twice (the over-limit files) is harmless.
    await source.release(localized.ready.map((f) => f.localPath));
  }
  const now = deps.clock();
  const failed = [...fetchFailed, ...outcome.failed];
  // Each mark counts its files on the run in the statement that records them (loaded: files,
  // rows, bytes; failed; missing: skipped), so a crash between two of them loses no count.
  await markLoaded(deps.db, ctx.runId, outcome.loaded, now);
  await deps.engine.hooks?.afterLoadedFilesMarked?.(outcome.loaded);
  await markFailed(deps.db, ctx.runId, failed, now, deps.engine.settings);
  await markMissing(deps.db, ctx.runId, missing, now);
  await recordSchemaVersion(deps, ctx, outcome.tableColumns, outcome.warnings);
  await addRunWarnings(deps, ctx.runId, outcome.warnings);
  const sizeById = new Map(files.map((f) => [f.id, Number(f.size)]));
  const rows = outcome.loaded.reduce((n, l) => n + l.rows, 0);
  const bytes = outcome.loaded.reduce((n, l) => n + (sizeById.get(l.id) ?? 0), 0);
  await touchRun(deps, ctx.runId, now);
  // A claim with more than half its lease to run is left as it is (renewed by a later batch).
  const { leaseMs } = deps.engine.settings;
  await renewLeases(deps.db, ctx.runId, { until: new Date(now.getTime() + leaseMs), renewBefore: new Date(now.getTime() + leaseMs / 2) });
  return {
    loaded: outcome.loaded.length,
    failed: failed.length,
    rows,
    bytes,
    ...(readBytes !== undefined ? { readBytes } : {}),
    ...(overLimit.length > 0 ? { limitReached: true as const } : {}),
  };
}

/** Gives claimed files back to the queue (PENDING) without an attempt: they were not tried. */
async function releaseFiles(deps: ServiceDeps, runId: string, ids: string[]): Promise<void> {
  await deps.db.processedFile.updateMany({
    where: { id: { in: ids }, runId, status: "PROCESSING" },
    data: { status: "PENDING", leaseExpiresAt: null, updatedAt: deps.clock() },
  });
}
