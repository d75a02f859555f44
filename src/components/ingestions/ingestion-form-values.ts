// What the new-ingestion form holds (strings and booleans, as inputs give them) and how that
// becomes the API's input. Fields that the chosen format, source or schedule does not use are
// left out, so a hidden field can never fail validation.
import type { CreateIngestionDraft, EVOLUTION_MODES } from "@/server/domain/ingestion-input";
import type { ScheduleFrequencyInput } from "@/server/domain/schedule";

export type FormatType = "JSON" | "CSV" | "PARQUET";
export type JsonLayout = "AUTO" | "NEWLINE_DELIMITED" | "ARRAY";
export type EvolutionMode = (typeof EVOLUTION_MODES)[number];

export interface IngestionFormValues {
  name: string;
  description: string;
  sourceUri: string;
  glob: string;
  s3Region: string;
  s3Endpoint: string;
  s3ForcePathStyle: boolean;
  s3CredentialsRef: string;
  format: FormatType;
  jsonLayout: JsonLayout;
  csvDelimiter: string;
  csvHeader: boolean;
  csvQuote: string;
  csvEscape: string;
  csvNullString: string;
  destinationSchema: string;
  destinationTable: string;
  evolutionMode: EvolutionMode;
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
  sourceUri: "",
  glob: "",
  s3Region: "",
  s3Endpoint: "",
  s3ForcePathStyle: false,
  s3CredentialsRef: "",
  format: "JSON",
  jsonLayout: "AUTO",
  csvDelimiter: ",",
  csvHeader: true,
  csvQuote: '"',
  csvEscape: '"',
  csvNullString: "",
  destinationSchema: "raw",
  destinationTable: "",
  evolutionMode: "ADD_NEW_COLUMNS",
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
  sourceUri: "source.uri",
  glob: "source.glob",
  s3Region: "source.s3.region",
  s3Endpoint: "source.s3.endpoint",
  s3ForcePathStyle: "source.s3.forcePathStyle",
  s3CredentialsRef: "source.s3.credentialsRef",
  format: "format.type",
  jsonLayout: "format.options.layout",
  csvDelimiter: "format.options.delimiter",
  csvHeader: "format.options.header",
  csvQuote: "format.options.quote",
  csvEscape: "format.options.escape",
  csvNullString: "format.options.nullString",
  destinationSchema: "destination.schema",
  destinationTable: "destination.table",
  evolutionMode: "schemaPolicy.evolutionMode",
  frequency: "schedule.frequency",
  time: "schedule.time",
  weekday: "schedule.weekday",
  cron: "schedule.cron",
  timezone: "schedule.timezone",
  maxFilesPerRun: "limits.maxFilesPerRun",
  maxBytesPerRun: "limits.maxBytesPerRun",
};

export function isS3Source(uri: string): boolean {
  return uri.trim().toLowerCase().startsWith("s3://");
}

const orNull = (v: string) => (v.trim() === "" ? null : v);
/** "" → null; anything else → a number (NaN when not one, which validation reports). */
const numberOrNull = (v: string) => (v.trim() === "" ? null : Number(v.trim()));

function formatOf(v: IngestionFormValues): CreateIngestionDraft["format"] {
  switch (v.format) {
    case "JSON":
      return { type: "JSON", options: { layout: v.jsonLayout, compression: "AUTO" } };
    case "CSV":
      return {
        type: "CSV",
        options: {
          delimiter: v.csvDelimiter,
          header: v.csvHeader,
          quote: v.csvQuote,
          escape: v.csvEscape,
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
      uri: v.sourceUri,
      glob: orNull(v.glob),
      ...(isS3Source(v.sourceUri)
        ? {
            s3: {
              region: orNull(v.s3Region),
              endpoint: orNull(v.s3Endpoint),
              forcePathStyle: v.s3ForcePathStyle,
              credentialsRef: orNull(v.s3CredentialsRef),
            },
          }
        : {}),
    },
    format: formatOf(v),
    destination: { schema: v.destinationSchema, table: v.destinationTable, partitionColumns: [] },
    schemaPolicy: { evolutionMode: v.evolutionMode, hints: {} },
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
    "source.uri",
    "source.glob",
    ...(isS3Source(v.sourceUri)
      ? ["source.s3.region", "source.s3.endpoint", "source.s3.forcePathStyle", "source.s3.credentialsRef"]
      : []),
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
    "schemaPolicy.evolutionMode",
    "schedule.frequency",
    ...(v.frequency === "DAILY" || v.frequency === "WEEKLY" ? ["schedule.time"] : []),
    ...(v.frequency === "WEEKLY" ? ["schedule.weekday"] : []),
    ...(v.frequency === "CUSTOM" ? ["schedule.cron"] : []),
    "schedule.timezone",
    "limits.maxFilesPerRun",
    "limits.maxBytesPerRun",
  ];
}
