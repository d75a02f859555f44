// The contract of ingestions.estimateCost: what it takes and returns. Money is USD, unrounded; the
// dashboard rounds for display (the `assumptions` sentences are already rounded).
import { z } from "zod";
import { IngestionStatus, SourceFormat, SourceType } from "@/generated/prisma/enums";
import { SCHEDULE_FREQUENCIES } from "@/shared/schedule";
import { FULL_LISTING_EVERY_HOURS_DEFAULT, formatSchema, ingestionId, limitsSchema, listingSchema, scheduleSchema, sourceSchema } from "./ingestions";

const price = (what: string) =>
  z
    .number({ error: `${what} must be a number of US dollars` })
    .min(0, `${what} must not be negative`)
    .max(1_000_000, `${what} must be at most 1,000,000 US dollars`)
    .optional();

/** Prices for this estimate only; each one left out comes from the server's settings. */
export const costPricesInput = z.object({
  computePerHour: price("Compute price per hour"),
  storagePerGbMonth: price("Storage price per GB-month"),
  s3ListPer1000: price("S3 LIST price per 1,000 requests"),
  s3GetPer1000: price("S3 GET price per 1,000 requests"),
});

/** An ingestion not created yet: the parts of the create form the estimate needs (others are ignored). */
export const costDraftInput = z.object({
  source: sourceSchema,
  format: formatSchema,
  schedule: scheduleSchema.default({ frequency: "NONE", time: null, weekday: null, cron: null, timezone: "UTC" }),
  limits: limitsSchema.default({ maxFilesPerRun: null, maxBytesPerRun: null }),
  listing: listingSchema.default({ mode: "FULL", fullListingEveryHours: FULL_LISTING_EVERY_HOURS_DEFAULT }),
});

export const estimateCostInput = z
  .object({
    /** An existing ingestion of the caller's tenant… */
    ingestionId: ingestionId.optional(),
    /** …or a draft, as the create form holds it. */
    draft: costDraftInput.optional(),
    prices: costPricesInput.optional(),
    /** DuckDB table bytes per source byte; default 1 (or the server's setting). */
    warehouseBytesPerSourceByte: z
      .number({ error: "Warehouse bytes per source byte must be a number" })
      .positive("Warehouse bytes per source byte must be more than 0")
      .max(100, "Warehouse bytes per source byte must be at most 100")
      .optional(),
  })
  .superRefine((v, ctx) => {
    if (v.ingestionId === undefined && v.draft === undefined) {
      ctx.addIssue({ code: "custom", message: "Give an ingestion id or a draft (source, format, schedule) to estimate" });
    } else if (v.ingestionId !== undefined && v.draft !== undefined) {
      ctx.addIssue({ code: "custom", message: "Give an ingestion id or a draft, not both" });
    }
  });
export type EstimateCostInput = z.infer<typeof estimateCostInput>;
export type CostDraft = z.infer<typeof costDraftInput>;

const usd = z.number();

export const costEstimateView = z.object({
  subject: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("DRAFT") }),
    z.object({
      kind: z.literal("INGESTION"),
      ingestionId: z.string(),
      name: z.string(),
      status: z.enum(IngestionStatus),
    }),
  ]),
  currency: z.literal("USD"),
  /** When the estimate was made (the service clock). */
  estimatedAt: z.date(),
  source: z.object({ type: z.enum(SourceType), uri: z.string(), glob: z.string().nullable() }),
  listing: z.object({
    /** Every object listed under the source (markers and non-matching ones too). */
    objects: z.number(),
    /** Matching, non-empty files and their bytes. */
    files: z.number(),
    bytes: z.number(),
    emptyFiles: z.number(),
    /** The listing stopped at `limit` objects: every count is a lower bound ("at least"). */
    sampled: z.boolean(),
    limit: z.number(),
  }),
  /** The load-time model: runOverheadMs per run + perFileMs per file + bytes ÷ mbPerSecond. */
  rate: z.object({
    format: z.enum(SourceFormat),
    /** MB (10^6 bytes) per second. */
    mbPerSecond: z.number(),
    perFileMs: z.number(),
    runOverheadMs: z.number(),
    /** PARTIAL: some figures measured, the others defaults (a calibration file older than the per-file model). */
    source: z.enum(["CALIBRATION", "PARTIAL", "DEFAULT"]),
    measuredAt: z.date().nullable(),
  }),
  prices: z.object({
    computePerHour: usd,
    storagePerGbMonth: usd,
    s3ListPer1000: usd,
    s3GetPer1000: usd,
  }),
  warehouseBytesPerSourceByte: z.number(),
  schedule: z.object({
    frequency: z.enum(SCHEDULE_FREQUENCIES),
    description: z.string(),
    timezone: z.string(),
    /** The month the runs are counted in: the next full calendar month in the schedule's zone. */
    month: z.object({ label: z.string(), name: z.string(), start: z.date(), end: z.date(), days: z.number() }),
    runsPerMonth: z.number(),
  }),
  steadyState: z.object({
    /** HISTORY: files this ingestion loaded; LISTING: files by their last-modified time. */
    basis: z.enum(["HISTORY", "LISTING"]),
    windowDays: z.number(),
    files: z.number(),
    bytes: z.number(),
  }),
  backfill: z.object({
    scope: z.enum(["ALL_MATCHING", "NOT_YET_LOADED"]),
    files: z.number(),
    bytes: z.number(),
    runsNeeded: z.number(),
    durationMs: z.number(),
    computeCost: usd,
    listRequests: z.number(),
    getRequests: z.number(),
    requestCost: usd,
    total: usd,
  }),
  monthly: z.object({
    runs: z.number(),
    newFiles: z.number(),
    newBytes: z.number(),
    durationMs: z.number(),
    computeCost: usd,
    storedGbMonths: z.number(),
    storageCost: usd,
    listRequests: z.number(),
    getRequests: z.number(),
    requestCost: usd,
    total: usd,
  }),
  assumptions: z.array(z.string()),
});
export type CostEstimateView = z.infer<typeof costEstimateView>;
