// The ingestions router's contract: an ingestion as the API takes it (with the messages users see)
// and as it answers. Shared by the tRPC procedures and the dashboard's create form, so both
// validate the same way. Preview and cost estimate are in ingestions-preview.ts and ingestions-cost.ts.
import { z } from "zod";
import { EvolutionMode, IngestionStatus, ListingMode, RunStatus, SourceType } from "@/generated/prisma/enums";
import { runStarted } from "./run-started";
import { cronError, HH_MM, isValidTimeZone, SCHEDULE_FREQUENCIES } from "@/shared/schedule";

export const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
/** Schemas a destination may not use: DuckDB's own and the warehouse ledger's. */
export const RESERVED_SCHEMAS = ["information_schema", "pg_catalog", "main", "temp", "system", "_autoloader"];

const identifier = (what: string) =>
  z
    .string({ error: `${what} is required` })
    .trim()
    .min(1, `${what} is required`)
    .regex(
      IDENTIFIER,
      `${what} must start with a lowercase letter or underscore and use only lowercase letters, digits and underscores (at most 63)`,
    );

/** A connection's name: what ingestions, previews and estimates name to read through it. */
export const CONNECTION_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
export const connectionName = z
  .string({ error: "Connection is required" })
  .trim()
  .min(1, "Connection is required")
  .regex(
    CONNECTION_NAME,
    "Connection name must start with a lowercase letter or digit and use only lowercase letters, digits, '.', '_' and '-' (at most 63)",
  );

/** A path inside a connection: relative, "/"-separated, no '.' or '..' segments; "" is the connection's root. */
export const sourcePathSchema = z
  .string({ error: "Path must be text" })
  .trim()
  .max(1024, "Path must be at most 1024 characters")
  .refine((p) => ![...p].some((c) => c.charCodeAt(0) < 0x20), "Path contains control characters")
  .refine((p) => !p.startsWith("/"), "Path is inside the connection: remove the leading /")
  .refine((p) => !p.split("/").includes(".."), "Path must not contain '..'")
  .transform((p) => p.split("/").filter((s) => s !== "" && s !== ".").join("/"));

export const sourceSchema = z.object({
  connection: connectionName,
  path: sourcePathSchema.optional().nullable().transform((p) => p ?? ""),
  glob: z
    .string()
    .trim()
    .max(512, "Glob must be at most 512 characters")
    .refine((g) => !g.split("/").includes(".."), "Glob must not contain '..'")
    .refine((g) => !g.startsWith("/"), "Glob is relative to the source: remove the leading /")
    .optional()
    .nullable()
    .transform((g) => (g ? g : null)),
  modifiedAfter: z.coerce.date({ error: "Modified-after must be a date" }).optional().nullable(),
});

export const LISTING_MODES = Object.values(ListingMode);
/** An ORDERED listing lists everything at least once a day unless told otherwise (the column's default too). */
export const FULL_LISTING_EVERY_HOURS_DEFAULT = 24;
/** A year: a full listing at least this often, so a late file is loaded some day. */
export const FULL_LISTING_EVERY_HOURS_MAX = 8_760;
const everyHoursMessage = `Full listing interval must be a whole number of hours from 1 to ${FULL_LISTING_EVERY_HOURS_MAX.toLocaleString("en-US")} (a year)`;

/**
 * How discovery lists the source. FULL: everything, every run. ORDERED: for keys that arrive in
 * lexical order (date-partitioned paths): a run lists only what sorts after the last path it
 * saw, and lists everything once every `fullListingEveryHours` to catch late arrivals.
 */
export const listingSchema = z.object({
  mode: z.enum(ListingMode, { error: `Listing mode must be one of ${LISTING_MODES.join(", ")}` }).default("FULL"),
  fullListingEveryHours: z
    .number({ error: everyHoursMessage })
    .int(everyHoursMessage)
    .min(1, everyHoursMessage)
    .max(FULL_LISTING_EVERY_HOURS_MAX, everyHoursMessage)
    .default(FULL_LISTING_EVERY_HOURS_DEFAULT),
});
export type ListingInput = z.infer<typeof listingSchema>;

const compression = z.enum(["AUTO", "NONE", "GZIP", "ZSTD"], {
  error: "Compression must be one of AUTO, NONE, GZIP, ZSTD",
});
const singleChar = (what: string) =>
  z.string().refine((v) => [...v].length === 1, `${what} must be exactly one character`);

export const formatSchema = z.discriminatedUnion(
  "type",
  [
    z.object({
      type: z.literal("JSON"),
      options: z
        .object({
          /** NEWLINE_DELIMITED: one record per line; ARRAY: a top-level array; AUTO: detect. */
          layout: z
            .enum(["AUTO", "NEWLINE_DELIMITED", "ARRAY"], {
              error: "JSON layout must be AUTO, NEWLINE_DELIMITED or ARRAY",
            })
            .default("AUTO"),
          compression: compression.default("AUTO"),
        })
        .default({ layout: "AUTO", compression: "AUTO" }),
    }),
    z.object({
      type: z.literal("CSV"),
      options: z
        .object({
          /** Unset (or null): DuckDB's sniffer detects each file's delimiter, quote and escape. */
          delimiter: singleChar("Delimiter").nullish(),
          header: z.boolean().default(true),
          quote: singleChar("Quote").nullish(),
          escape: singleChar("Escape").nullish(),
          nullString: z.string().max(32, "Null string must be at most 32 characters").default(""),
          compression: compression.default("AUTO"),
        })
        .refine((o) => o.delimiter == null || o.delimiter !== o.quote, {
          message: "Delimiter and quote must be different characters",
          path: ["quote"],
        })
        .default({ header: true, nullString: "", compression: "AUTO" }),
    }),
    z.object({
      type: z.literal("PARQUET"),
      options: z.object({}).default({}),
    }),
  ],
  { error: "Format must be JSON, CSV or PARQUET" },
);

export const destinationSchema = z
  .object({
    schema: identifier("Destination schema"),
    table: identifier("Destination table"),
    partitionColumns: z
      .array(identifier("Partition column"))
      .max(4, "At most 4 partition columns")
      .default([]),
  })
  .refine((d) => !RESERVED_SCHEMAS.includes(d.schema), {
    message: `Destination schema is reserved; choose another than ${RESERVED_SCHEMAS.join(", ")}`,
    path: ["schema"],
  });

export const EVOLUTION_MODES = Object.values(EvolutionMode);

/** Types a schema hint may name (DuckDB spellings). */
export const HINT_TYPE =
  /^(BOOLEAN|TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|FLOAT|DOUBLE|DECIMAL\(\s*\d{1,2}\s*,\s*\d{1,2}\s*\)|VARCHAR|DATE|TIME|TIMESTAMP|TIMESTAMPTZ|BLOB|JSON|UUID)$/i;

const HINT_TYPE_MESSAGE = "Hint type must be a SQL type such as BIGINT, DOUBLE, VARCHAR, TIMESTAMP or DECIMAL(18,2)";

/** A type DuckDB can create: DECIMAL takes a width of 1–38 and a scale no larger than the width. */
function isHintType(t: string): boolean {
  if (!HINT_TYPE.test(t)) return false;
  const m = /^DECIMAL\(\s*(\d+)\s*,\s*(\d+)\s*\)$/i.exec(t);
  return !m || (Number(m[1]) >= 1 && Number(m[1]) <= 38 && Number(m[2]) <= Number(m[1]));
}

const hintType = z
  .string()
  .trim()
  .refine(isHintType, HINT_TYPE_MESSAGE)
  .transform((t) => t.toUpperCase().replace(/\s+/g, ""));

export const schemaPolicySchema = z.object({
  evolutionMode: z
    .enum(EvolutionMode, { error: `Evolution mode must be one of ${EVOLUTION_MODES.join(", ")}` })
    .default("ADD_NEW_COLUMNS"),
  hints: z
    .record(
      z.string().trim().min(1, "A hinted column needs a name").max(255, "Column names are at most 255 characters"),
      hintType,
      // zod reports a bad key as "Invalid key in record"; surface the key's own message instead.
      { error: (iss) => (iss.code === "invalid_key" ? iss.issues?.[0]?.message : undefined) },
    )
    .default({})
    .refine((h) => Object.keys(h).length <= 200, "At most 200 schema hints"),
});

export const scheduleSchema = z
  .object({
    frequency: z.enum(SCHEDULE_FREQUENCIES, {
      error: `Schedule must be one of ${SCHEDULE_FREQUENCIES.join(", ")}`,
    }),
    time: z
      .string()
      .trim()
      .regex(HH_MM, "Time must be HH:MM in 24-hour form, e.g. 14:30")
      .optional()
      .nullable(),
    weekday: z
      .number({ error: "Weekday must be a number from 0 (Sunday) to 6 (Saturday)" })
      .int("Weekday must be a number from 0 (Sunday) to 6 (Saturday)")
      .min(0, "Weekday must be a number from 0 (Sunday) to 6 (Saturday)")
      .max(6, "Weekday must be a number from 0 (Sunday) to 6 (Saturday)")
      .optional()
      .nullable(),
    cron: z.string().trim().optional().nullable(),
    timezone: z
      .string()
      .trim()
      .default("UTC")
      .refine(isValidTimeZone, { message: "Time zone must be an IANA name such as Europe/Berlin, America/New_York or UTC" }),
  })
  .superRefine((s, ctx) => {
    if (s.frequency === "CUSTOM") {
      const error = cronError(s.cron ?? "");
      if (error) ctx.addIssue({ code: "custom", message: error, path: ["cron"] });
    }
  })
  // Keep only what the frequency uses, so a form's leftover fields never linger in the database.
  .transform((s) => ({
    frequency: s.frequency,
    time: s.frequency === "DAILY" || s.frequency === "WEEKLY" ? (s.time ?? "00:00") : null,
    weekday: s.frequency === "WEEKLY" ? (s.weekday ?? 0) : null,
    cron: s.frequency === "CUSTOM" ? (s.cron ?? "").trim().split(/\s+/).join(" ") : null,
    timezone: s.timezone,
  }));

export const MAX_BYTES_PER_RUN = 2 ** 50; // 1 PiB

export const limitsSchema = z.object({
  maxFilesPerRun: z
    .number({ error: "Max files per run must be a whole number" })
    .int("Max files per run must be a whole number")
    .min(1, "Max files per run must be at least 1")
    .max(1_000_000, "Max files per run must be at most 1,000,000")
    .nullable()
    .default(null),
  maxBytesPerRun: z
    .number({ error: "Max bytes per run must be a whole number of bytes" })
    .int("Max bytes per run must be a whole number of bytes")
    .min(1, "Max bytes per run must be at least 1 byte")
    .max(MAX_BYTES_PER_RUN, "Max bytes per run must be at most 1 PiB")
    .nullable()
    .default(null),
});

export const ingestionName = z
  .string({ error: "Name is required" })
  .trim()
  .min(1, "Name is required")
  .max(100, "Name must be at most 100 characters")
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} _.-]*$/u, "Name must start with a letter or digit and use letters, digits, spaces, _ . -");

/**
 * A destination table that already exists belongs to whoever loaded it: true takes it over (its
 * ledger rows of this source's files join the file history, so none loads again); otherwise
 * creating on it, or moving to it, is refused.
 */
const adoptExistingTable = z.boolean({ error: "adoptExistingTable must be true or false" }).default(false);

export const createIngestionInput = z.object({
  name: ingestionName,
  description: z.string().trim().max(500, "Description must be at most 500 characters").optional().nullable(),
  source: sourceSchema,
  listing: listingSchema.default({ mode: "FULL", fullListingEveryHours: FULL_LISTING_EVERY_HOURS_DEFAULT }),
  format: formatSchema,
  destination: destinationSchema,
  schemaPolicy: schemaPolicySchema.default({ evolutionMode: "ADD_NEW_COLUMNS", hints: {} }),
  schedule: scheduleSchema.default({ frequency: "NONE", time: null, weekday: null, cron: null, timezone: "UTC" }),
  limits: limitsSchema.default({ maxFilesPerRun: null, maxBytesPerRun: null }),
  alertRecipients: z
    .array(z.email("Alert recipients must be email addresses"))
    .max(20, "At most 20 alert recipients")
    .default([]),
  adoptExistingTable,
});
export type CreateIngestionInput = z.infer<typeof createIngestionInput>;
/** What a form holds before parsing (defaults not yet applied). */
export type CreateIngestionDraft = z.input<typeof createIngestionInput>;

export const ingestionId = z
  .string({ error: "Ingestion id is required" })
  .min(1, "Ingestion id is required")
  .max(64, "Ingestion id must be at most 64 characters");

/** Every field optional; `source` and `format` are accepted only when unchanged (see update service). */
export const updateIngestionInput = z.object({
  id: ingestionId,
  patch: z
    .object({
      name: ingestionName,
      description: z.string().trim().max(500, "Description must be at most 500 characters").nullable(),
      source: sourceSchema,
      // Each part optional on its own: changing the interval keeps the mode.
      listing: z.object({
        mode: listingSchema.shape.mode.unwrap().optional(),
        fullListingEveryHours: listingSchema.shape.fullListingEveryHours.unwrap().optional(),
      }),
      format: formatSchema,
      destination: destinationSchema,
      // Each part optional on its own: patching the mode keeps the hints, and the other way round.
      schemaPolicy: z.object({
        evolutionMode: schemaPolicySchema.shape.evolutionMode.unwrap().optional(),
        hints: schemaPolicySchema.shape.hints.unwrap().optional(),
      }),
      schedule: scheduleSchema,
      limits: limitsSchema,
      alertRecipients: z.array(z.email("Alert recipients must be email addresses")).max(20, "At most 20 alert recipients"),
    })
    .partial()
    .refine((p) => Object.values(p).some((v) => v !== undefined), "Nothing to update: the patch is empty"),
  /** With a new destination: take over that table if it exists (see `adoptExistingTable` of create). */
  adoptExistingTable,
});
export type UpdateIngestionInput = z.infer<typeof updateIngestionInput>;

export const listIngestionsInput = z
  .object({
    status: z.enum(IngestionStatus, { error: "Status filter must be ACTIVE or PAUSED" }).optional(),
    search: z.string().trim().max(100, "Search is at most 100 characters").optional(),
    limit: z.number().int().min(1, "Limit must be 1–100").max(100, "Limit must be 1–100").default(20),
    cursor: z.string().max(64).nullish(),
  })
  .default({ limit: 20 });

export const REFRESH_MODES = ["FULL", "NEW_ONLY"] as const;

export const refreshIngestionInput = z.object({
  id: ingestionId,
  /** FULL: drop the table, forget file history, reload everything. NEW_ONLY: drop the table, keep history. */
  mode: z.enum(REFRESH_MODES, { error: "Refresh mode must be FULL or NEW_ONLY" }),
  /** Only answer with the plan; change nothing. */
  dryRun: z.boolean().default(false),
  /** Required (true) to execute: a refresh drops the destination table. */
  confirm: z.boolean().default(false),
  /** Start a run once the cleanup is done. */
  autoRun: z.boolean().default(false),
});
export type RefreshIngestionInput = z.infer<typeof refreshIngestionInput>;

export const byIngestionId = z.object({ id: ingestionId });

export const deleteIngestionInput = byIngestionId.extend({
  dropTable: z.boolean({ error: "dropTable must be true or false" }).default(false),
});

export const ingestionView = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  status: z.enum(IngestionStatus),
  source: z.object({
    type: z.enum(SourceType),
    /** The connection it reads through, and the path inside it ("" for its root). */
    connection: z.object({ id: z.string(), name: z.string(), type: z.enum(SourceType) }),
    path: z.string(),
    /** The location: the connection's directory or s3://bucket/prefix joined with the path. */
    uri: z.string(),
    glob: z.string().nullable(),
    modifiedAfter: z.date().nullable(),
  }),
  listing: z.object({
    mode: z.enum(ListingMode),
    fullListingEveryHours: z.number(),
    /** Where the next ORDERED listing starts after: the last path of the last completed discovery. */
    highWaterPath: z.string().nullable(),
    lastFullListingAt: z.date().nullable(),
  }),
  format: formatSchema,
  destination: z.object({ schema: z.string(), table: z.string(), partitionColumns: z.array(z.string()) }),
  schemaPolicy: z.object({ evolutionMode: z.enum(EvolutionMode), hints: z.record(z.string(), z.string()) }),
  schedule: z.object({
    frequency: z.enum(SCHEDULE_FREQUENCIES),
    time: z.string().nullable(),
    weekday: z.number().nullable(),
    cron: z.string().nullable(),
    timezone: z.string(),
    description: z.string(),
    nextRunAt: z.date().nullable(),
    /** The next fire times from now, in the schedule's zone; empty when manual-only or paused. */
    upcoming: z.array(z.date()),
  }),
  limits: z.object({ maxFilesPerRun: z.number().nullable(), maxBytesPerRun: z.number().nullable() }),
  alertRecipients: z.array(z.string()),
  lastRunAt: z.date().nullable(),
  lastRunStatus: z.enum(RunStatus).nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type IngestionView = z.infer<typeof ingestionView>;

/**
 * An ingestion as the list shows it: the view without the upcoming fire times (five dates per
 * item, computed per item, that no list shows); `nextRunAt` is there, and ingestions.get has the rest.
 */
export const ingestionListItem = ingestionView.extend({ schedule: ingestionView.shape.schedule.omit({ upcoming: true }) });
export type IngestionListItem = z.infer<typeof ingestionListItem>;

export const listIngestionsOutput = z.object({ items: z.array(ingestionListItem), nextCursor: z.string().nullable() });

/** What create and update did to tables: one adopted, one left behind. */
export const destinationChangeView = z.object({
  /** What happened to the tables, in sentences. */
  message: z.string(),
  /** An existing table was adopted. */
  adoption: z
    .object({
      table: z.string(),
      /**
       * Files of this ingestion's source the table holds (found in its ledger, or by its rows'
       * `_source_file` where the ledger has no entry, as in older warehouses): now in its history, SUCCESS.
       */
      filesAdopted: z.number(),
      rowsAdopted: z.number(),
      /** Files of the table the ingestion does not read (other sources, or outside its glob or modified-after): left to their loaders. */
      filesLeft: z.number(),
      /** Rows of the table not of an adopted file: never removed by this ingestion's reprocess or clear. */
      rowsLeft: z.number(),
    })
    .nullable(),
  /** The ingestion moved: the table it left, which keeps its rows. */
  previousTable: z.object({ name: z.string(), exists: z.boolean(), rows: z.number() }).nullable(),
});
export type DestinationChange = z.infer<typeof destinationChangeView>;

/** Create and update answer with the ingestion, and what happened to tables it adopted or left. */
export const changedIngestionView = ingestionView.extend({ destinationChange: destinationChangeView.optional() });
export type ChangedIngestionView = z.infer<typeof changedIngestionView>;

export const deleteIngestionOutput = z.object({
  id: z.string(),
  name: z.string(),
  /** schema.table of the destination. */
  table: z.string(),
  tableDropped: z.boolean(),
  /** Rows the dropped table held (0 when it was not dropped or did not exist). */
  rowsDropped: z.number(),
  message: z.string(),
});
export type DeleteIngestionOutput = z.infer<typeof deleteIngestionOutput>;

const fileCounts = z.object({ files: z.number(), bytes: z.number() });

/** What loading the next run's files should take and cost in compute, by the calibrated load model. */
export const loadEstimate = z.object({ durationMs: z.number(), mbPerSecond: z.number(), computeCost: z.number() });
export type LoadEstimate = z.infer<typeof loadEstimate>;

export const refreshPlan = z.object({
  mode: z.enum(REFRESH_MODES),
  table: z.object({ name: z.string(), exists: z.boolean(), rows: z.number() }),
  /** Files in the history; `forget` of them are deleted, `skip` unfinished ones marked SKIPPED. */
  history: z.object({ files: z.number(), forget: z.number(), skip: z.number() }),
  /** Ledger entries (loaded files) the warehouse forgets with the table. */
  ledgerEntries: z.number(),
  /** What would load afterwards, from a listing; null when the source could not be listed. */
  load: z
    .object({
      pending: fileCounts,
      nextRun: fileCounts,
      truncated: z.boolean(),
      estimate: loadEstimate,
    })
    .nullable(),
  warnings: z.array(z.string()),
  /** The plan in sentences, in order. */
  steps: z.array(z.string()),
});
export type RefreshPlan = z.infer<typeof refreshPlan>;

export const refreshOutput = z.object({
  dryRun: z.boolean(),
  executed: z.boolean(),
  plan: refreshPlan,
  /** The run started after the cleanup (autoRun). */
  run: runStarted.nullable(),
  message: z.string(),
});
export type RefreshOutput = z.infer<typeof refreshOutput>;
