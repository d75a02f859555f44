// The run pipeline, written once as named steps: Inngest runs each step durably, the direct
// executor runs them in-process. Step results are small JSON: ids and counts, never rows.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { formatSchema } from "@/server/domain/ingestion-input";
import { partitionBatches } from "@/server/domain/run-outcome";
import { diffSchemas, isEmptyDiff, type Column } from "@/server/domain/schema-evolution";
import { assertRunTransition } from "@/server/domain/status-transitions";
import { loadBatch, type BatchFile, type LoadWarning } from "@/server/engine/load-batch";
import { runWarnings } from "@/server/domain/run-warnings";
import { SourceError, listAll, type Source, type SourceObject } from "@/server/sources/source";
import { matcher } from "@/server/sources/matcher";
import type { ServiceDeps } from "@/server/services/deps";
import { estimateLoadDurationMs } from "@/server/services/cost/load-model";
import { claimFiles, UNFINISHED, markFailed, markLoaded, markMissing, registerFiles, releaseClaims, renewLeases } from "./file-state";
import { readSizeOf } from "./read-size";
import { recordFromLedger } from "./ledger-records";
import { refreshNextRun } from "./next-run";
import { endRunFromFiles } from "./run-end";
import type { Step } from "./step";

export type RunDeps = ServiceDeps;

/** What the steps pass along: everything here is plain JSON. */
interface RunContext {
  runId: string;
  ingestionId: string;
  tenantKey: string;
  /** Set for a retry of a run that had files: only that run's unfinished files load. */
  retryOf?: string | null;
}

/**
 * Whether a run held or attempted any file (a retry of it then takes only those). Its counters
 * say so even after a refresh or clear forgot the files themselves.
 */
export async function runHadFiles(deps: RunDeps, runId: string): Promise<boolean> {
  const run = await deps.db.run.findUnique({ where: { id: runId }, select: { filesLoaded: true, filesFailed: true } });
  if (run && run.filesLoaded + run.filesFailed > 0) return true;
  const n = await deps.db.processedFile.count({ where: { OR: [{ runId }, { attempts: { some: { runId } } }] }, take: 1 });
  return n > 0;
}

async function loadIngestion(deps: RunDeps, ingestionId: string) {
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

export async function startRun(deps: RunDeps, runId: string): Promise<RunContext> {
  const run = await deps.db.run.findUniqueOrThrow({
    where: { id: runId },
    select: {
      status: true,
      ingestionId: true,
      retryOfRunId: true,
      ingestion: { select: { tenant: { select: { slug: true } } } },
    },
  });
  // A retry of a run that failed before it held any file (say, storage was down) is a full run.
  const retryOf = run.retryOfRunId && (await runHadFiles(deps, run.retryOfRunId)) ? run.retryOfRunId : null;
  if (run.status !== "RUNNING") {
    assertRunTransition(run.status, "RUNNING");
    const now = deps.clock();
    await deps.db.run.update({ where: { id: runId }, data: { status: "RUNNING", startedAt: now, updatedAt: now } });
  }
  return { runId, ingestionId: run.ingestionId, tenantKey: run.ingestion.tenant.slug, retryOf };
}

/**
 * After a crash between the warehouse commit and the metadata update, the ledger knows files
 * the metadata does not: they are marked loaded, with the ledger's row counts, on the run that
 * loaded them (its ledger rows name it), never on this one, which did not. A run that had already
 * ended gets the status its files now give, its message saying so (recordFromLedger).
 */
export async function reconcileFromLedger(deps: RunDeps, ctx: RunContext): Promise<{ reconciled: number }> {
  const unfinished = await deps.db.processedFile.findMany({
    where: { ingestionId: ctx.ingestionId, status: { in: [...UNFINISHED] } },
    select: { id: true, path: true },
  });
  const destination = await deps.db.ingestion.findUniqueOrThrow({
    where: { id: ctx.ingestionId },
    select: { destinationSchema: true, destinationTable: true },
  });
  const target = { tenantKey: ctx.tenantKey, ingestionId: ctx.ingestionId, schema: destination.destinationSchema, table: destination.destinationTable };
  // A ledger row of a run that no longer exists: this run is the only one left to report it.
  const byRun = await recordFromLedger(deps, target, unfinished, ctx.runId);
  const reconciled = [...byRun.values()].reduce((n, k) => n + k, 0);
  if (reconciled > 0) {
    const runs = [...byRun].map(([id, k]) => `${id} (${k})`).join(", ");
    deps.log.warn(`[run ${ctx.runId}] recorded ${reconciled} file(s) from the warehouse ledger on the run that loaded them: ${runs}`);
  }
  return { reconciled };
}

export async function discoverFiles(
  deps: RunDeps,
  ctx: RunContext,
): Promise<{ listed: number; registered: number; skipped: number }> {
  // A retry reprocesses what its run left unfinished; new files wait for the next run.
  if (ctx.retryOf) return { listed: 0, registered: 0, skipped: 0 };
  const ingestion = await loadIngestion(deps, ctx.ingestionId);
  const source = await deps.engine.sources({ tenantId: ingestion.tenantId, connectionId: ingestion.connectionId, sourcePath: ingestion.sourcePath });
  const matches = matcher(ingestion.sourceGlob);
  const after = ingestion.sourceModifiedAfter;
  let listed = 0;
  let registered = 0;
  let skipped = 0;
  for await (const page of listAll(source)) {
    const wanted: SourceObject[] = page.filter((o) => matches(o.path) && (!after || o.lastModified > after));
    listed += wanted.length;
    const r = await registerFiles(deps.db, ctx.ingestionId, wanted);
    registered += r.registered;
    skipped += r.skipped;
  }
  await deps.db.run.update({
    where: { id: ctx.runId },
    data: { filesDiscovered: registered, filesSkipped: skipped, updatedAt: deps.clock() },
  });
  return { listed, registered, skipped };
}

export async function claimForRun(
  deps: RunDeps,
  ctx: RunContext,
): Promise<{ batches: string[][]; claimed: number; cancelled?: true }> {
  // Cancelled before it held a file: it claims none.
  if (await cancelRequested(deps, ctx.runId)) return { batches: [], claimed: 0, cancelled: true };
  const ingestion = await loadIngestion(deps, ctx.ingestionId);
  const claimed = await claimFiles(deps.db, {
    ingestionId: ctx.ingestionId,
    runId: ctx.runId,
    now: deps.clock(),
    leaseMs: deps.engine.settings.leaseMs,
    maxRetries: deps.engine.settings.maxFileRetries,
    maxFiles: ingestion.maxFilesPerRun,
    maxBytes: ingestion.maxBytesPerRun === null ? null : Number(ingestion.maxBytesPerRun),
    onlyFilesOfRun: ctx.retryOf ?? null,
  });
  // The estimate the run is later compared with: what it claimed (files and bytes), by the calibrated load model.
  const bytes = claimed.reduce((n, f) => n + f.size, 0);
  await deps.db.run.update({
    where: { id: ctx.runId },
    data: {
      estimatedBytes: BigInt(bytes),
      estimatedDurationMs: Math.min(await estimateLoadDurationMs(deps, ingestion.format, { files: claimed.length, bytes }), 2_147_483_647),
      updatedAt: deps.clock(),
    },
  });
  const { batchMaxFiles, batchMaxBytes } = deps.engine.settings;
  const batches = partitionBatches(claimed, batchMaxFiles, batchMaxBytes).map((b) => b.map((f) => f.id));
  return { batches, claimed: claimed.length };
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export function stagingDirFor(deps: RunDeps, runId: string): string {
  return path.join(deps.engine.settings.stagingDir, runId);
}

/**
 * Makes the batch's files readable locally; a file that cannot be fetched fails alone, as a
 * storage (TRANSIENT) failure, and one that is gone from the source is `missing`.
 */
async function localizeBatch(deps: RunDeps, source: Source, runId: string, files: { id: string; path: string }[]) {
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

async function recordSchemaVersion(deps: RunDeps, ctx: RunContext, columns: Column[] | null, warnings: LoadWarning[]) {
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

/** Most warnings a run keeps (the first ones; later batches repeat the same kinds). */
const MAX_RUN_WARNINGS = 100;

/** Adds a batch's warnings to its run's, once each. */
async function recordRunWarnings(deps: RunDeps, runId: string, warnings: LoadWarning[]) {
  if (warnings.length === 0) return;
  const run = await deps.db.run.findUniqueOrThrow({ where: { id: runId }, select: { warnings: true } });
  const kept = runWarnings.parse(run.warnings);
  const seen = new Set(kept.map((w) => w.message));
  const all = [...kept, ...warnings.filter((w) => !seen.has(w.message))].slice(0, MAX_RUN_WARNINGS);
  if (all.length > kept.length) await deps.db.run.update({ where: { id: runId }, data: { warnings: all as unknown as object[] } });
}

/** Whether runs.cancel asked this run to stop: checked at each batch boundary, inside the step. */
async function cancelRequested(deps: RunDeps, runId: string): Promise<boolean> {
  const run = await deps.db.run.findUnique({ where: { id: runId }, select: { cancelRequestedAt: true } });
  return run?.cancelRequestedAt != null;
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
  deps: RunDeps,
  ctx: RunContext,
  fileIds: string[],
  budget: { readBytes: number } = { readBytes: 0 },
): Promise<BatchResult> {
  if (await cancelRequested(deps, ctx.runId)) return { loaded: 0, failed: 0, rows: 0, bytes: 0, cancelled: true };
  const ingestion = await loadIngestion(deps, ctx.ingestionId);
  const files = await deps.db.processedFile.findMany({
    where: { id: { in: fileIds }, runId: ctx.runId, status: "PROCESSING" },
    select: { id: true, path: true, size: true },
    orderBy: [{ lastModified: "asc" }, { path: "asc" }],
  });
  const source = await deps.engine.sources({ tenantId: ingestion.tenantId, connectionId: ingestion.connectionId, sourcePath: ingestion.sourcePath });
  const localized = await localizeBatch(deps, source, ctx.runId, files);
  const { missing } = localized;
  let { ready } = localized;
  const fetchFailed: { id: string; path: string; error: string; kind: "TRANSIENT" | "DATA" }[] = localized.failed;
  const limit = ingestion.maxBytesPerRun === null ? null : Number(ingestion.maxBytesPerRun);
  let overLimit: BatchFile[] = [];
  let readBytes: number | undefined;
  let outcome: Awaited<ReturnType<typeof loadBatch>>;
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
    outcome = await deps.engine.warehouse.withConnection(ctx.tenantKey, (c) =>
      loadBatch(
        c,
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
      ),
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
  await recordRunWarnings(deps, ctx.runId, outcome.warnings);
  const sizeById = new Map(files.map((f) => [f.id, Number(f.size)]));
  const rows = outcome.loaded.reduce((n, l) => n + l.rows, 0);
  const bytes = outcome.loaded.reduce((n, l) => n + (sizeById.get(l.id) ?? 0), 0);
  await deps.db.run.update({ where: { id: ctx.runId }, data: { updatedAt: now } });
  await renewLeases(deps.db, ctx.runId, new Date(now.getTime() + deps.engine.settings.leaseMs));
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
async function releaseFiles(deps: RunDeps, runId: string, ids: string[]): Promise<void> {
  await deps.db.processedFile.updateMany({
    where: { id: { in: ids }, runId, status: "PROCESSING" },
    data: { status: "PENDING", leaseExpiresAt: null, updatedAt: deps.clock() },
  });
}

/**
 * Ends the run with the status its own files give: none loaded or failed means nothing new
 * (endRunFromFiles, where every run ends).
 */
export async function finishRun(deps: RunDeps, ctx: RunContext, opts: { cancelled?: boolean } = {}): Promise<{ status: string }> {
  const requestedAt = opts.cancelled
    ? (await deps.db.run.findUnique({ where: { id: ctx.runId }, select: { cancelRequestedAt: true } }))?.cancelRequestedAt
    : null;
  const ended = await endRunFromFiles(deps, ctx.runId, requestedAt ? { kind: "cancelled", requestedAt } : { kind: "finished" });
  // Not active any more: endRunFromFiles refused that; null only if the row is gone.
  if (!ended) throw new Error(`Run ${ctx.runId} no longer exists`);
  await refreshNextRun(deps, ctx.ingestionId, ended.at);
  return { status: ended.status };
}


/**
 * Ends a run that an error outside the per-file ones stopped, with `message` as the cause: what it
 * committed is recorded from the warehouse ledger on it, its other claims are freed, and its
 * status comes from its files (FAILED when none loaded). A run no longer active is left as it is.
 */
export async function failRun(deps: RunDeps, runId: string, message: string): Promise<{ status: string } | null> {
  const ended = await endRunFromFiles(deps, runId, { kind: "failed", cause: message });
  if (ended) await refreshNextRun(deps, ended.ingestionId, ended.at);
  return ended ? { status: ended.status } : null;
}

/**
 * The whole run, as steps. Each step first records its name on the run row (which is also the
 * run's heartbeat), inside the step, so a durable executor does it once per step.
 */
export async function runPipeline(executor: Step, deps: RunDeps, runId: string): Promise<{ status: string }> {
  const step: Step = {
    run: (id, fn) =>
      executor.run(id, async () => {
        await deps.db.run.updateMany({
          where: { id: runId, status: { in: ["QUEUED", "RUNNING"] } },
          data: { currentStep: id, updatedAt: deps.clock() },
        });
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
