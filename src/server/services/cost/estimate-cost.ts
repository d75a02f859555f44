// The cost estimate of an ingestion or a draft: lists the source (bounded), measures the steady
// state, reads the calibrated load model and the prices, and hands the numbers to domain/cost.ts.
import {
  ARRIVAL_WINDOW_DAYS,
  DEFAULT_PRICES,
  DEFAULT_WAREHOUSE_BYTES_PER_SOURCE_BYTE,
  estimateCosts,
  PRICE_KEYS,
  runsPerMonth,
  type CostFormat,
  type CostPrices,
  type PriceOrigin,
} from "@/server/domain/cost";
import { DomainError } from "@/server/domain/errors";
import { candidate, takenAfterListing } from "@/server/domain/file-selection";
import { scheduleOf } from "@/server/domain/schedule";
import { describeSchedule, type Schedule } from "@/shared/schedule";
import { listBounded } from "@/server/sources/listing";
import { SourceError, type Source } from "@/server/sources/source";
import { connectionUri, type SourceSpec } from "@/server/sources/source-factory";
import type { ServiceDeps } from "@/server/deps";
import { findStoredConnection, sourceErrorField } from "../connections/connection-rules";
import { findOwnedIngestion } from "../ingestions/ingestion-rules";
import type { CostEstimateView, EstimateCostInput } from "@/shared/contracts/ingestions-cost";
import { loadModel } from "@/server/engine/calibration";

/** The estimate's listing stops after this many objects unless config.cost.listLimit says otherwise. */
export const DEFAULT_LIST_LIMIT = 100_000;
const DAY = 86_400_000;

// ---------------------------------------------------------------------------------------------
// The estimate

interface Target {
  subject: CostEstimateView["subject"];
  spec: SourceSpec;
  /** The location, for the answer: a directory or s3://bucket/prefix. */
  uri: string;
  sourceType: "S3" | "LOCAL";
  glob: string | null;
  modifiedAfter: Date | null;
  format: CostFormat;
  schedule: Schedule;
  limits: { maxFilesPerRun: number | null; maxBytesPerRun: number | null };
  listingMode: { mode: "FULL" | "ORDERED"; fullListingEveryHours: number };
  /** Set for an existing ingestion. */
  ingestionId: string | null;
}

async function resolveTarget(deps: ServiceDeps, tenantId: string, input: EstimateCostInput): Promise<Target> {
  if (input.ingestionId !== undefined) {
    const row = await findOwnedIngestion(deps, tenantId, input.ingestionId);
    return {
      subject: { kind: "INGESTION", ingestionId: row.id, name: row.name, status: row.status },
      spec: { tenantId, connectionId: row.connectionId, sourcePath: row.sourcePath },
      uri: row.sourceUri,
      sourceType: row.sourceType,
      glob: row.sourceGlob,
      modifiedAfter: row.sourceModifiedAfter,
      format: row.format,
      schedule: scheduleOf(row),
      limits: {
        maxFilesPerRun: row.maxFilesPerRun,
        maxBytesPerRun: row.maxBytesPerRun === null ? null : Number(row.maxBytesPerRun),
      },
      listingMode: { mode: row.listingMode, fullListingEveryHours: row.fullListingEveryHours },
      ingestionId: row.id,
    };
  }
  const draft = input.draft;
  if (!draft) throw new DomainError("BAD_REQUEST", "Give an ingestion id or a draft (source, format, schedule) to estimate");
  // The tenant's own connection; its grants are checked when the source is built.
  const connection = await findStoredConnection(deps, tenantId, draft.source.connection);
  return {
    subject: { kind: "DRAFT" },
    spec: { tenantId, connectionId: connection.id, sourcePath: draft.source.path },
    uri: connectionUri(connection, draft.source.path),
    sourceType: connection.type,
    glob: draft.source.glob ?? null,
    modifiedAfter: draft.source.modifiedAfter ?? null,
    format: draft.format.type,
    schedule: draft.schedule,
    limits: draft.limits,
    listingMode: draft.listing,
    ingestionId: null,
  };
}

interface ListingTally {
  objects: number;
  files: number;
  bytes: number;
  emptyFiles: number;
  sampled: boolean;
  /** Matching files last modified within the arrival window. */
  recentFiles: number;
  recentBytes: number;
  /** For an existing ingestion: matching files it has not loaded yet, and those it has. */
  pendingFiles: number;
  pendingBytes: number;
  loadedFiles: number;
}

/** Lists up to `limit` objects and tallies what an ingestion would read; storage errors become BAD_REQUEST. */
async function tallyListing(deps: ServiceDeps, target: Target, limit: number, windowStart: Date): Promise<ListingTally> {
  const t: ListingTally = {
    objects: 0,
    files: 0,
    bytes: 0,
    emptyFiles: 0,
    sampled: false,
    recentFiles: 0,
    recentBytes: 0,
    pendingFiles: 0,
    pendingBytes: 0,
    loadedFiles: 0,
  };
  // Empty files are selected, then counted apart: runs skip them.
  const selected = candidate({ glob: target.glob, modifiedAfter: target.modifiedAfter }, { emptyFiles: "include" });
  const now = deps.clock();
  const maxRetries = deps.engine.settings.maxFileRetries;
  try {
    const source: Source = await deps.engine.sources(target.spec);
    const listing = await listBounded(source, limit, async (objects) => {
      const wanted = objects.filter(selected);
      const files = wanted.filter((o) => o.size > 0);
      t.emptyFiles += wanted.length - files.length;
      for (const o of files) {
        t.files += 1;
        t.bytes += o.size;
        if (o.lastModified >= windowStart && o.lastModified <= now) {
          t.recentFiles += 1;
          t.recentBytes += o.size;
        }
      }
      if (target.ingestionId !== null && files.length > 0) {
        const known = await deps.db.processedFile.findMany({
          where: { ingestionId: target.ingestionId, path: { in: files.map((o) => o.path) } },
          select: { path: true, status: true, failureKind: true, retryCount: true, size: true, etag: true, lastModified: true },
        });
        const byPath = new Map(known.map((k) => [k.path, k]));
        for (const o of files) {
          const k = byPath.get(o.path);
          // What runs would claim: new files, files the listing brings back, and the ones later runs retry.
          if (takenAfterListing(k, o, maxRetries)) {
            t.pendingFiles += 1;
            t.pendingBytes += o.size;
          } else if (k?.status === "SUCCESS") {
            t.loadedFiles += 1;
          }
        }
      }
    });
    t.objects = listing.listed;
    t.sampled = listing.truncated;
  } catch (error) {
    if (error instanceof SourceError) {
      throw new DomainError("BAD_REQUEST", error.message, target.subject.kind === "DRAFT" ? sourceErrorField(error) : undefined);
    }
    throw error;
  }
  return t;
}

/** Files that landed and were loaded in the window, from the ingestion's history (null if it never finished a run). */
async function historyArrivals(deps: ServiceDeps, ingestionId: string, windowStart: Date) {
  const finished = await deps.db.run.findFirst({
    where: { ingestionId, status: { in: ["SUCCEEDED", "PARTIAL", "NO_NEW_FILES", "FAILED"] } },
    select: { id: true },
  });
  const loaded = await deps.db.processedFile.aggregate({
    where: { ingestionId, status: "SUCCESS" },
    _sum: { size: true },
  });
  if (!finished) return { arrivals: null, loadedBytes: Number(loaded._sum.size ?? 0n) };
  const recent = await deps.db.processedFile.aggregate({
    where: { ingestionId, status: "SUCCESS", loadedAt: { gte: windowStart }, lastModified: { gte: windowStart } },
    _count: { _all: true },
    _sum: { size: true },
  });
  return {
    arrivals: { files: recent._count._all, bytes: Number(recent._sum.size ?? 0n) },
    loadedBytes: Number(loaded._sum.size ?? 0n),
  };
}

/** The prices in force: given with the request, else configured, else the defaults; and where each came from. */
export function resolvePrices(deps: ServiceDeps, requested: Partial<CostPrices> | undefined) {
  const prices: CostPrices = { ...DEFAULT_PRICES };
  const origins: Record<keyof CostPrices, PriceOrigin> = {
    computePerHour: "DEFAULT",
    storagePerGbMonth: "DEFAULT",
    s3ListPer1000: "DEFAULT",
    s3GetPer1000: "DEFAULT",
  };
  for (const key of PRICE_KEYS) {
    const configured = deps.config.cost?.prices?.[key];
    const given = requested?.[key];
    if (given !== undefined) {
      prices[key] = given;
      origins[key] = "REQUEST";
    } else if (configured !== undefined) {
      prices[key] = configured;
      origins[key] = "CONFIGURED";
    }
  }
  return { prices, origins };
}

/**
 * Estimates what an ingestion (or a draft of one) costs: the backfill now, then a month of its
 * schedule, with every assumption listed. Lists the source: local paths must lie under the
 * roots, and storage errors are BAD_REQUEST with the storage's message.
 */
export async function estimateCost(deps: ServiceDeps, tenantId: string, input: EstimateCostInput): Promise<CostEstimateView> {
  const target = await resolveTarget(deps, tenantId, input);
  const now = deps.clock();
  const windowStart = new Date(now.getTime() - ARRIVAL_WINDOW_DAYS * DAY);
  const limit = deps.config.cost?.listLimit ?? DEFAULT_LIST_LIMIT;
  const listing = await tallyListing(deps, target, limit, windowStart);
  const history = target.ingestionId === null ? null : await historyArrivals(deps, target.ingestionId, windowStart);
  const load = await loadModel(deps, target.format);
  const { prices, origins } = resolvePrices(deps, input.prices);
  const ratio =
    input.warehouseBytesPerSourceByte ?? deps.config.cost?.warehouseBytesPerSourceByte ?? DEFAULT_WAREHOUSE_BYTES_PER_SOURCE_BYTE;
  const runs = runsPerMonth(target.schedule, now, (m) => deps.log.warn(m));

  const notes: string[] = [];
  if (load.problem) notes.push(load.problem);
  const arrivals = history?.arrivals
    ? { ...history.arrivals, windowDays: ARRIVAL_WINDOW_DAYS, basis: "HISTORY" as const }
    : { files: listing.recentFiles, bytes: listing.recentBytes, windowDays: ARRIVAL_WINDOW_DAYS, basis: "LISTING" as const };
  if (history && !history.arrivals) {
    notes.push("This ingestion has not finished a run yet, so the steady state comes from the listing instead of its history.");
  }
  const existing = target.ingestionId !== null;
  const listingView = {
    objects: listing.objects,
    files: listing.files,
    bytes: listing.bytes,
    emptyFiles: listing.emptyFiles,
    sampled: listing.sampled,
    limit,
  };
  const breakdown = estimateCosts({
    sourceType: target.sourceType,
    format: target.format,
    load: { runOverheadMs: load.runOverheadMs, perFileMs: load.perFileMs, mbPerSecond: load.mbPerSecond, origin: load.origin },
    listing: listingView,
    backfill: existing
      ? { files: listing.pendingFiles, bytes: listing.pendingBytes, scope: "NOT_YET_LOADED", alreadyLoaded: listing.loadedFiles }
      : { files: listing.files, bytes: listing.bytes, scope: "ALL_MATCHING" },
    arrivals,
    loadedBytes: history?.loadedBytes ?? 0,
    schedule: target.schedule,
    runs,
    limits: target.limits,
    listingMode: target.listingMode,
    prices,
    priceOrigins: origins,
    warehouseBytesPerSourceByte: ratio,
    paused: target.subject.kind === "INGESTION" && target.subject.status === "PAUSED",
    notes,
  });
  const { month } = runs;
  return {
    subject: target.subject,
    currency: "USD",
    estimatedAt: now,
    source: { type: target.sourceType, uri: target.uri, glob: target.glob },
    listing: listingView,
    rate: {
      format: target.format,
      mbPerSecond: load.mbPerSecond,
      perFileMs: load.perFileMs,
      runOverheadMs: load.runOverheadMs,
      source: load.source,
      measuredAt: load.measuredAt,
    },
    prices,
    warehouseBytesPerSourceByte: ratio,
    schedule: {
      frequency: target.schedule.frequency,
      description: describeSchedule(target.schedule),
      timezone: month.timezone,
      month: { label: month.label, name: month.name, start: month.start, end: month.end, days: month.days },
      runsPerMonth: runs.runs,
    },
    steadyState: { basis: arrivals.basis, windowDays: arrivals.windowDays, files: arrivals.files, bytes: arrivals.bytes },
    backfill: { scope: existing ? "NOT_YET_LOADED" : "ALL_MATCHING", ...breakdown.backfill },
    monthly: {
      runs: breakdown.monthly.runs,
      newFiles: breakdown.monthly.newFiles,
      newBytes: breakdown.monthly.newBytes,
      durationMs: breakdown.monthly.durationMs,
      computeCost: breakdown.monthly.computeCost,
      storedGbMonths: breakdown.monthly.storedGbMonths,
      storageCost: breakdown.monthly.storageCost,
      listRequests: breakdown.monthly.listRequests,
      getRequests: breakdown.monthly.getRequests,
      requestCost: breakdown.monthly.requestCost,
      total: breakdown.monthly.total,
    },
    assumptions: breakdown.assumptions,
  };
}
