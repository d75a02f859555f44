// What the new-ingestion form holds (strings and booleans, as inputs give them) and how that
// becomes the API's input. Fields that the chosen format, source or schedule does not use are
// left out, so a hidden field can never fail validation. The preview and the cost estimate take
// parts of the same draft, so they see exactly what Create would send.
import type { z } from "zod";
import type { FieldErrors } from "@/components/forms/field-errors";
import type { CreateIngestionDraft, EVOLUTION_MODES } from "@/shared/contracts/ingestions";
import type { PreviewDraft } from "@/shared/contracts/ingestions-preview";
import type { ScheduleFrequencyInput } from "@/shared/schedule";
import type { costDraftInput } from "@/shared/contracts/ingestions-cost";

/** A draft as `ingestions.estimateCost` takes it (before defaults). */
export type EstimateCostDraft = z.input<typeof costDraftInput>;

export type FormatType = "JSON" | "CSV" | "PARQUET";
export type JsonLayout = "AUTO" | "NEWLINE_DELIMITED" | "ARRAY";
export type EvolutionMode = (typeof EVOLUTION_MODES)[number];
export type ListingModeValue = "FULL" | "ORDERED";

/** One schema hint as the form edits it: a column and the SQL type it should load as. */
export interface HintRow {
  /** Stable React key; rows are added and removed in any order. */
  id: string;
  column: string;
  type: string;
}

export interface IngestionFormValues {
  name: string;
  description: string;
  /** The name of one of the tenant's connections. */
  sourceConnection: string;
  /** A path inside the connection ("" for its root). */
  sourcePath: string;
  glob: string;
  /** FULL lists the whole source each run; ORDERED only what sorts after the last key seen. */
  listingMode: ListingModeValue;
  /** ORDERED: hours between full listings (late arrivals), as typed. */
  fullListingEveryHours: string;
  format: FormatType;
  jsonLayout: JsonLayout;
  csvDelimiter: string;
  csvHeader: boolean;
  csvQuote: string;
  csvEscape: string;
  csvNullString: string;
  destinationSchema: string;
  destinationTable: string;
  /** Take over the destination table if it already exists (the API refuses it otherwise). */
  adoptExistingTable: boolean;
  evolutionMode: EvolutionMode;
  hints: HintRow[];
  frequency: ScheduleFrequencyInput;
  time: string;
  weekday: string;
  cron: string;
  /** null until the user edits it: the browser's own zone applies. */
  timezone: string | null;
  maxFilesPerRun: string;
  maxBytesPerRun: string;
}

export const INITIAL_INGESTION_FORM: IngestionFormValues = {
  name: "",
  description: "",
  // Until the user picks one, the form takes defaultConnectionName() of the tenant's connections.
  sourceConnection: "",
  sourcePath: "",
  glob: "",
  listingMode: "FULL",
  fullListingEveryHours: "24",
  format: "JSON",
  jsonLayout: "AUTO",
  csvDelimiter: "",
  csvHeader: true,
  csvQuote: "",
  csvEscape: "",
  csvNullString: "",
  destinationSchema: "raw",
  destinationTable: "",
  adoptExistingTable: false,
  evolutionMode: "ADD_NEW_COLUMNS",
  hints: [],
  frequency: "NONE",
  time: "00:00",
  weekday: "1",
  cron: "",
  timezone: null,
  maxFilesPerRun: "",
  maxBytesPerRun: "",
};

/** The API input path each form value is sent as (where its errors come back). */
export const FIELD_PATHS: Record<keyof IngestionFormValues, string> = {
  name: "name",
  description: "description",
  sourceConnection: "source.connection",
  sourcePath: "source.path",
  glob: "source.glob",
  listingMode: "listing.mode",
  fullListingEveryHours: "listing.fullListingEveryHours",
  format: "format.type",
  jsonLayout: "format.options.layout",
  csvDelimiter: "format.options.delimiter",
  csvHeader: "format.options.header",
  csvQuote: "format.options.quote",
  csvEscape: "format.options.escape",
  csvNullString: "format.options.nullString",
  destinationSchema: "destination.schema",
  destinationTable: "destination.table",
  adoptExistingTable: "adoptExistingTable",
  evolutionMode: "schemaPolicy.evolutionMode",
  hints: "schemaPolicy.hints",
  frequency: "schedule.frequency",
  time: "schedule.time",
  weekday: "schedule.weekday",
  cron: "schedule.cron",
  timezone: "schedule.timezone",
  maxFilesPerRun: "limits.maxFilesPerRun",
  maxBytesPerRun: "limits.maxBytesPerRun",
};

/** The connection a new ingestion starts on: "files" (what a fresh install creates) if there is one, else the first. */
export function defaultConnectionName(names: readonly string[]): string {
  return names.includes("files") ? "files" : (names[0] ?? "");
}

const orNull = (v: string) => (v.trim() === "" ? null : v);
/** "" → null; anything else → a number (NaN when not one, which validation reports). */
const numberOrNull = (v: string) => (v.trim() === "" ? null : Number(v.trim()));

/** A CSV dialect character as typed: empty is "detect"; `\t` or `tab` is a tab (a text field cannot take one). */
export function dialectChar(v: string): string | null {
  if (v === "") return null;
  return v === "\\t" || v.toLowerCase() === "tab" ? "\t" : v;
}

function formatOf(v: IngestionFormValues): CreateIngestionDraft["format"] {
  switch (v.format) {
    case "JSON":
      return { type: "JSON", options: { layout: v.jsonLayout, compression: "AUTO" } };
    case "CSV":
      return {
        type: "CSV",
        options: {
          delimiter: dialectChar(v.csvDelimiter),
          header: v.csvHeader,
          quote: dialectChar(v.csvQuote),
          escape: dialectChar(v.csvEscape),
          nullString: v.csvNullString,
          compression: "AUTO",
        },
      };
    case "PARQUET":
      return { type: "PARQUET", options: {} };
  }
}

export function toCreateIngestionDraft(v: IngestionFormValues, defaultTimeZone: string): CreateIngestionDraft {
  return {
    name: v.name,
    description: orNull(v.description),
    source: {
      connection: v.sourceConnection,
      path: v.sourcePath,
      glob: orNull(v.glob),
    },
    listing: {
      mode: v.listingMode,
      // FULL ignores the interval: the default keeps a hidden field from failing validation.
      ...(v.listingMode === "ORDERED" ? { fullListingEveryHours: numberOrNull(v.fullListingEveryHours) ?? Number.NaN } : {}),
    },
    format: formatOf(v),
    destination: { schema: v.destinationSchema, table: v.destinationTable, partitionColumns: [] },
    adoptExistingTable: v.adoptExistingTable,
    schemaPolicy: { evolutionMode: v.evolutionMode, hints: hintsOf(v.hints) },
    schedule: {
      frequency: v.frequency,
      time: v.frequency === "DAILY" || v.frequency === "WEEKLY" ? v.time : null,
      weekday: v.frequency === "WEEKLY" ? Number(v.weekday) : null,
      cron: v.frequency === "CUSTOM" ? v.cron : null,
      timezone: v.timezone ?? defaultTimeZone,
    },
    limits: { maxFilesPerRun: numberOrNull(v.maxFilesPerRun), maxBytesPerRun: numberOrNull(v.maxBytesPerRun) },
  };
}

/** The dotted input paths of the fields the form shows for these values (errors go beside them). */
export function visibleFieldPaths(v: IngestionFormValues): string[] {
  return [
    "name",
    "description",
    "source.connection",
    "source.path",
    "source.glob",
    "listing.mode",
    ...(v.listingMode === "ORDERED" ? ["listing.fullListingEveryHours"] : []),
    "format.type",
    ...(v.format === "JSON" ? ["format.options.layout"] : []),
    ...(v.format === "CSV"
      ? [
          "format.options.delimiter",
          "format.options.header",
          "format.options.quote",
          "format.options.escape",
          "format.options.nullString",
        ]
      : []),
    "destination.schema",
    "destination.table",
    "adoptExistingTable",
    "schemaPolicy.evolutionMode",
    "schemaPolicy.hints",
    ...v.hints.map(hintPath),
    "schedule.frequency",
    ...(v.frequency === "DAILY" || v.frequency === "WEEKLY" ? ["schedule.time"] : []),
    ...(v.frequency === "WEEKLY" ? ["schedule.weekday"] : []),
    ...(v.frequency === "CUSTOM" ? ["schedule.cron"] : []),
    "schedule.timezone",
    "limits.maxFilesPerRun",
    "limits.maxBytesPerRun",
  ];
}

/** Where a hint row's errors come back: "schemaPolicy.hints.<column>" (the API keys hints by column). */
export function hintPath(row: Pick<HintRow, "column">): string {
  return `${FIELD_PATHS.hints}.${row.column.trim()}`;
}

/** The hints the API takes: column → type. Rows left entirely empty are ignored. */
export function hintsOf(rows: readonly HintRow[]): Record<string, string> {
  const hints: Record<string, string> = {};
  for (const row of rows) {
    if (row.column.trim() === "" && row.type.trim() === "") continue;
    hints[row.column.trim()] = row.type;
  }
  return hints;
}

/**
 * A column hinted twice (columns match case-insensitively, as in the loader): the API takes one
 * type per column, so the form says so rather than keeping the last silently.
 */
export function duplicateHintErrors(rows: readonly HintRow[]): FieldErrors {
  const seen = new Map<string, number>();
  for (const row of rows) {
    const name = row.column.trim().toLowerCase();
    if (name !== "") seen.set(name, (seen.get(name) ?? 0) + 1);
  }
  const errors: FieldErrors = {};
  for (const row of rows) {
    const name = row.column.trim();
    if ((seen.get(name.toLowerCase()) ?? 0) > 1) errors[hintPath(row)] = [`Column ${name} has more than one hint: keep one`];
  }
  return errors;
}

/** What the preview reads: the draft's source, format and hints. */
export function toPreviewDraft(v: IngestionFormValues): PreviewDraft {
  const draft = toCreateIngestionDraft(v, "UTC");
  return { source: draft.source, format: draft.format, hints: hintsOf(v.hints), sampleRows: PREVIEW_SAMPLE_ROWS };
}

export const PREVIEW_SAMPLE_ROWS = 20;

/** What the cost estimate needs: the draft's source, listing, format, schedule and limits. */
export function toCostDraft(v: IngestionFormValues, defaultTimeZone: string): EstimateCostDraft {
  const draft = toCreateIngestionDraft(v, defaultTimeZone);
  return { source: draft.source, format: draft.format, schedule: draft.schedule, limits: draft.limits, listing: draft.listing };
}

/** The form value a dotted input path belongs to ("schemaPolicy.hints.amount" → hints), if any. */
export function formKeyOf(path: string): keyof IngestionFormValues | null {
  let best: keyof IngestionFormValues | null = null;
  for (const [key, p] of Object.entries(FIELD_PATHS) as [keyof IngestionFormValues, string][]) {
    if ((path === p || path.startsWith(`${p}.`)) && (best === null || p.length > FIELD_PATHS[best].length)) best = key;
  }
  return best;
}
