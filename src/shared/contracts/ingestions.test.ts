import { describe, expect, it } from "vitest";
import { type z } from "zod";
import {
  createIngestionInput,
  destinationSchema,
  formatSchema,
  ingestionId,
  limitsSchema,
  listIngestionsInput,
  listingSchema,
  MAX_BYTES_PER_RUN,
  scheduleSchema,
  schemaPolicySchema,
  sourceSchema,
  updateIngestionInput,
} from "./ingestions";

/** The issues of a rejected parse as `path: message` pairs; fails the test if the input was accepted. */
function issues(schema: z.ZodType, input: unknown): { path: string; message: string }[] {
  const result = schema.safeParse(input);
  if (result.success) throw new Error(`Expected a rejection, got ${JSON.stringify(result.data)}`);
  return result.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
}

const CONNECTION_RULE =
  "Connection name must start with a lowercase letter or digit and use only lowercase letters, digits, '.', '_' and '-' (at most 63)";
const IDENTIFIER_RULE =
  "must start with a lowercase letter or underscore and use only lowercase letters, digits and underscores (at most 63)";
const RESERVED = "Destination schema is reserved; choose another than information_schema, pg_catalog, main, temp, system, _autoloader";
const NAME_RULE = "Name must start with a letter or digit and use letters, digits, spaces, _ . -";
const HINT_RULE = "Hint type must be a SQL type such as BIGINT, DOUBLE, VARCHAR, TIMESTAMP or DECIMAL(18,2)";
const TIME_RULE = "Time must be HH:MM in 24-hour form, e.g. 14:30";
const WEEKDAY_RULE = "Weekday must be a number from 0 (Sunday) to 6 (Saturday)";
const TIME_ZONE_RULE = "Time zone must be an IANA name such as Europe/Berlin, America/New_York or UTC";
const FIVE_FIELDS =
  'A custom schedule needs a 5-field cron expression (minute hour day-of-month month day-of-week), e.g. "*/15 * * * *"; got';

/** The least a user must fill in. */
const minimal = {
  name: "Orders",
  source: { connection: "files" },
  format: { type: "JSON" },
  destination: { schema: "raw", table: "orders" },
};

describe("createIngestionInput", () => {
  it("applies every default to a minimal input", () => {
    expect(createIngestionInput.parse(minimal)).toEqual({
      name: "Orders",
      source: { connection: "files", path: "", glob: null },
      listing: { mode: "FULL", fullListingEveryHours: 24 },
      format: { type: "JSON", options: { layout: "AUTO", compression: "AUTO" } },
      destination: { schema: "raw", table: "orders", partitionColumns: [] },
      schemaPolicy: { evolutionMode: "ADD_NEW_COLUMNS", hints: {} },
      schedule: { frequency: "NONE", time: null, weekday: null, cron: null, timezone: "UTC" },
      limits: { maxFilesPerRun: null, maxBytesPerRun: null },
      alertRecipients: [],
      adoptExistingTable: false,
    });
  });

  it("keeps, trims and normalises a fully specified input", () => {
    const parsed = createIngestionInput.parse({
      name: "  Orders from S3  ",
      description: "  Nightly export  ",
      source: {
        connection: " analytics-s3 ",
        path: " exports//orders/./ ",
        glob: " **/*.csv.gz ",
        modifiedAfter: "2026-01-01T00:00:00Z",
      },
      listing: { mode: "ORDERED", fullListingEveryHours: 6 },
      format: { type: "CSV", options: { delimiter: ";", header: false, quote: "'", escape: "\\", nullString: "NULL", compression: "GZIP" } },
      destination: { schema: " analytics ", table: "orders", partitionColumns: ["order_date", "region"] },
      schemaPolicy: { evolutionMode: "RESCUE", hints: { amount: "decimal(18, 2)", created_at: "timestamptz" } },
      schedule: { frequency: "WEEKLY", weekday: 3, time: "09:05", timezone: "Europe/Berlin" },
      limits: { maxFilesPerRun: 1000, maxBytesPerRun: 10_000_000_000 },
      alertRecipients: ["ops@example.com", "data-team@example.org"],
    });
    expect(parsed).toEqual({
      name: "Orders from S3",
      description: "Nightly export",
      source: {
        connection: "analytics-s3",
        path: "exports/orders",
        glob: "**/*.csv.gz",
        modifiedAfter: new Date("2026-01-01T00:00:00Z"),
      },
      listing: { mode: "ORDERED", fullListingEveryHours: 6 },
      format: { type: "CSV", options: { delimiter: ";", header: false, quote: "'", escape: "\\", nullString: "NULL", compression: "GZIP" } },
      destination: { schema: "analytics", table: "orders", partitionColumns: ["order_date", "region"] },
      schemaPolicy: { evolutionMode: "RESCUE", hints: { amount: "DECIMAL(18,2)", created_at: "TIMESTAMPTZ" } },
      schedule: { frequency: "WEEKLY", time: "09:05", weekday: 3, cron: null, timezone: "Europe/Berlin" },
      limits: { maxFilesPerRun: 1000, maxBytesPerRun: 10_000_000_000 },
      alertRecipients: ["ops@example.com", "data-team@example.org"],
      adoptExistingTable: false,
    });
  });

  it("reports every missing required part with its path", () => {
    expect(issues(createIngestionInput, {})).toEqual([
      { path: "name", message: "Name is required" },
      { path: "source", message: "Invalid input: expected object, received undefined" },
      { path: "format", message: "Format must be JSON, CSV or PARQUET" },
      { path: "destination", message: "Invalid input: expected object, received undefined" },
    ]);
  });

  it("reports nested problems with their full path", () => {
    expect(
      issues(createIngestionInput, {
        ...minimal,
        source: { connection: "files", path: "../x" },
        destination: { schema: "main", table: "orders" },
        schedule: { frequency: "DAILY", time: "25:99" },
      }),
    ).toEqual([
      { path: "source.path", message: "Path must not contain '..'" },
      { path: "destination.schema", message: RESERVED },
      { path: "schedule.time", message: TIME_RULE },
    ]);
  });

  describe("name", () => {
    it.each([
      ["Orders", "Orders"],
      ["  Orders  ", "Orders"],
      ["2026 orders", "2026 orders"],
      ["orders_v2.daily-load", "orders_v2.daily-load"],
      ["Ventes été", "Ventes été"],
      ["注文", "注文"],
    ])("accepts %j", (name, parsed) => {
      expect(createIngestionInput.parse({ ...minimal, name }).name).toBe(parsed);
    });

    it.each([undefined, null, 42])("requires a name (given %j)", (name) => {
      expect(issues(createIngestionInput, { ...minimal, name })).toEqual([{ path: "name", message: "Name is required" }]);
    });

    it.each(["", "   "])("says a blank name %j is required first", (name) => {
      expect(issues(createIngestionInput, { ...minimal, name })[0]).toEqual({ path: "name", message: "Name is required" });
    });

    it("limits the length to 100 characters", () => {
      expect(createIngestionInput.parse({ ...minimal, name: "a".repeat(100) }).name).toHaveLength(100);
      expect(issues(createIngestionInput, { ...minimal, name: "a".repeat(101) })).toEqual([
        { path: "name", message: "Name must be at most 100 characters" },
      ]);
    });

    it.each(["-orders", "_orders", ".orders", "orders/daily", "orders;drop", "orders\u0000", "orders!", "émoji 😀"])(
      "rejects %j",
      (name) => {
        expect(issues(createIngestionInput, { ...minimal, name })).toEqual([{ path: "name", message: NAME_RULE }]);
      },
    );
  });

  describe("description", () => {
    it("is optional, nullable and trimmed", () => {
      expect(createIngestionInput.parse({ ...minimal, description: null }).description).toBeNull();
      expect(createIngestionInput.parse({ ...minimal, description: "  loads orders  " }).description).toBe("loads orders");
    });

    it("is at most 500 characters", () => {
      expect(createIngestionInput.parse({ ...minimal, description: "d".repeat(500) }).description).toHaveLength(500);
      expect(issues(createIngestionInput, { ...minimal, description: "d".repeat(501) })).toEqual([
        { path: "description", message: "Description must be at most 500 characters" },
      ]);
    });
  });

  describe("alert recipients", () => {
    it("accepts email addresses", () => {
      expect(createIngestionInput.parse({ ...minimal, alertRecipients: ["a@example.com"] }).alertRecipients).toEqual([
        "a@example.com",
      ]);
    });

    it.each(["nope", "ops@", "@example.com", "ops example.com", "ops@example"])("rejects %j", (address) => {
      expect(issues(createIngestionInput, { ...minimal, alertRecipients: ["ok@example.com", address] })).toEqual([
        { path: "alertRecipients.1", message: "Alert recipients must be email addresses" },
      ]);
    });

    it("allows at most 20", () => {
      const many = Array.from({ length: 21 }, (_, i) => `user${i}@example.com`);
      expect(createIngestionInput.parse({ ...minimal, alertRecipients: many.slice(0, 20) }).alertRecipients).toHaveLength(20);
      expect(issues(createIngestionInput, { ...minimal, alertRecipients: many })).toEqual([
        { path: "alertRecipients", message: "At most 20 alert recipients" },
      ]);
    });
  });
});

describe("sourceSchema", () => {
  it("trims the connection and normalises the path inside it; no path is the connection's root", () => {
    expect(sourceSchema.parse({ connection: "  files  ", path: "  in//x/./y/  " })).toEqual({ connection: "files", path: "in/x/y", glob: null });
    expect(sourceSchema.parse({ connection: "files" })).toEqual({ connection: "files", path: "", glob: null });
    expect(sourceSchema.parse({ connection: "files", path: null })).toEqual({ connection: "files", path: "", glob: null });
    expect(sourceSchema.parse({ connection: "files", path: "." })).toEqual({ connection: "files", path: "", glob: null });
  });

  it.each([
    [undefined, "Connection is required"],
    [42, "Connection is required"],
    ["Files", CONNECTION_RULE],
    ["-files", CONNECTION_RULE],
    ["s3://bucket/data", CONNECTION_RULE],
    ["/data/in", CONNECTION_RULE],
    ["my files", CONNECTION_RULE],
    ["c".repeat(64), CONNECTION_RULE],
  ])("rejects the connection %j", (connection, message) => {
    expect(issues(sourceSchema, { connection })).toEqual([{ path: "connection", message }]);
  });

  it.each(["", "   "])("says a blank connection %j is required first", (connection) => {
    expect(issues(sourceSchema, { connection })[0]).toEqual({ path: "connection", message: "Connection is required" });
  });

  it.each([
    ["../etc", "Path must not contain '..'"],
    ["in/../../etc", "Path must not contain '..'"],
    ["in/..", "Path must not contain '..'"],
    ["/data/in", "Path is inside the connection: remove the leading /"],
    ["in/\u0001x", "Path contains control characters"],
    [42, "Path must be text"],
  ])("rejects the path %j", (p, message) => {
    expect(issues(sourceSchema, { connection: "files", path: p })).toEqual([{ path: "path", message }]);
  });

  it("keeps '..' inside a segment name", () => {
    expect(sourceSchema.parse({ connection: "files", path: "a..b/c" }).path).toBe("a..b/c");
  });

  it("limits the path to 1024 characters", () => {
    expect(sourceSchema.parse({ connection: "files", path: "a".repeat(1024) }).path).toHaveLength(1024);
    expect(issues(sourceSchema, { connection: "files", path: "a".repeat(1025) })).toEqual([
      { path: "path", message: "Path must be at most 1024 characters" },
    ]);
  });

  describe("glob", () => {
    it.each([
      [undefined, null],
      [null, null],
      ["", null],
      ["   ", null],
      ["**/*.json", "**/*.json"],
      ["  year=*/**/*.parquet  ", "year=*/**/*.parquet"],
      ["a..b/*.csv", "a..b/*.csv"],
    ])("turns %j into %j", (glob, parsed) => {
      expect(sourceSchema.parse({ connection: "files", glob }).glob).toBe(parsed);
    });

    it.each([
      ["../*.json", "Glob must not contain '..'"],
      ["a/../../b", "Glob must not contain '..'"],
      ["/etc/*", "Glob is relative to the source: remove the leading /"],
    ])("rejects %j", (glob, message) => {
      expect(issues(sourceSchema, { connection: "files", glob })).toEqual([{ path: "glob", message }]);
    });

    it("is at most 512 characters", () => {
      expect(sourceSchema.parse({ connection: "files", glob: "g".repeat(512) }).glob).toHaveLength(512);
      expect(issues(sourceSchema, { connection: "files", glob: "g".repeat(513) })).toEqual([
        { path: "glob", message: "Glob must be at most 512 characters" },
      ]);
    });
  });

  describe("modifiedAfter", () => {
    it("coerces an ISO string to a date, and keeps null", () => {
      expect(sourceSchema.parse({ connection: "files", modifiedAfter: "2026-03-01T12:00:00Z" }).modifiedAfter).toEqual(
        new Date("2026-03-01T12:00:00Z"),
      );
      expect(sourceSchema.parse({ connection: "files", modifiedAfter: null }).modifiedAfter).toBeNull();
    });

    it.each(["not a date", "", "2026-13-45"])("rejects %j", (modifiedAfter) => {
      expect(issues(sourceSchema, { connection: "files", modifiedAfter })).toEqual([
        { path: "modifiedAfter", message: "Modified-after must be a date" },
      ]);
    });
  });
});

describe("formatSchema", () => {
  it.each([undefined, "XML", "json", ""])("rejects the type %j", (type) => {
    expect(issues(formatSchema, { type })).toEqual([{ path: "type", message: "Format must be JSON, CSV or PARQUET" }]);
  });

  describe("JSON", () => {
    it.each(["AUTO", "NEWLINE_DELIMITED", "ARRAY"])("accepts the layout %j", (layout) => {
      expect(formatSchema.parse({ type: "JSON", options: { layout } })).toEqual({
        type: "JSON",
        options: { layout, compression: "AUTO" },
      });
    });

    it.each(["JSONL", "records", ""])("rejects the layout %j", (layout) => {
      expect(issues(formatSchema, { type: "JSON", options: { layout } })).toEqual([
        { path: "options.layout", message: "JSON layout must be AUTO, NEWLINE_DELIMITED or ARRAY" },
      ]);
    });

    it.each(["BZIP2", "gzip", "LZ4"])("rejects the compression %j", (compression) => {
      expect(issues(formatSchema, { type: "JSON", options: { compression } })).toEqual([
        { path: "options.compression", message: "Compression must be one of AUTO, NONE, GZIP, ZSTD" },
      ]);
    });
  });

  describe("CSV", () => {
    it("defaults every option, leaving the dialect (delimiter, quote, escape) to detection", () => {
      expect(formatSchema.parse({ type: "CSV" })).toEqual({
        type: "CSV",
        options: { header: true, nullString: "", compression: "AUTO" },
      });
      expect(formatSchema.parse({ type: "CSV", options: { delimiter: null, quote: null, escape: null } })).toEqual({
        type: "CSV",
        options: { delimiter: null, quote: null, escape: null, header: true, nullString: "", compression: "AUTO" },
      });
    });

    it("fills in the options not given", () => {
      expect(formatSchema.parse({ type: "CSV", options: { delimiter: "\t", compression: "ZSTD" } })).toEqual({
        type: "CSV",
        options: { delimiter: "\t", header: true, nullString: "", compression: "ZSTD" },
      });
    });

    it.each([
      ["delimiter", "", "Delimiter must be exactly one character"],
      ["delimiter", ";;", "Delimiter must be exactly one character"],
      ["quote", "", "Quote must be exactly one character"],
      ["quote", "''", "Quote must be exactly one character"],
      ["escape", "\\\\", "Escape must be exactly one character"],
      ["nullString", "NULL".repeat(8) + "!", "Null string must be at most 32 characters"],
      ["compression", "BROTLI", "Compression must be one of AUTO, NONE, GZIP, ZSTD"],
    ])("rejects the %s %j", (option, value, message) => {
      expect(issues(formatSchema, { type: "CSV", options: { [option]: value } })).toEqual([
        { path: `options.${option}`, message },
      ]);
    });

    it.each([
      [{ delimiter: "|", quote: "|" }],
      [{ delimiter: '"', quote: '"' }],
    ])("refuses the same character as delimiter and quote: %j", (options) => {
      expect(issues(formatSchema, { type: "CSV", options })).toEqual([
        { path: "options.quote", message: "Delimiter and quote must be different characters" },
      ]);
    });
  });

  it("takes no options for Parquet", () => {
    expect(formatSchema.parse({ type: "PARQUET" })).toEqual({ type: "PARQUET", options: {} });
  });
});

describe("destinationSchema", () => {
  it.each([
    ["a plain name", "raw"],
    ["a leading underscore", "_staging"],
    ["digits", "a1_b2"],
    ["63 characters", "s".repeat(63)],
    ["surrounding spaces", "  analytics  "],
  ])("accepts a schema with %s", (_label, schema) => {
    expect(destinationSchema.parse({ schema, table: "orders" }).schema).toBe(schema.trim());
  });

  it.each([
    ["upper case", "Raw"],
    ["a hyphen", "raw-data"],
    ["a leading digit", "1raw"],
    ["a space", "raw data"],
    ["a dot", "raw.events"],
    ["64 characters", "s".repeat(64)],
    ["a non-ASCII letter", "ümlaut"],
  ])("rejects a schema with %s", (_label, schema) => {
    expect(issues(destinationSchema, { schema, table: "orders" })).toEqual([
      { path: "schema", message: `Destination schema ${IDENTIFIER_RULE}` },
    ]);
  });

  it.each([
    ["upper case", "Orders"],
    ["a hyphen", "orders-2026"],
    ["a leading digit", "2026_orders"],
    ["64 characters", "t".repeat(64)],
  ])("rejects a table with %s", (_label, table) => {
    expect(issues(destinationSchema, { schema: "raw", table })).toEqual([
      { path: "table", message: `Destination table ${IDENTIFIER_RULE}` },
    ]);
  });

  it("requires both names", () => {
    expect(issues(destinationSchema, {})).toEqual([
      { path: "schema", message: "Destination schema is required" },
      { path: "table", message: "Destination table is required" },
    ]);
    expect(issues(destinationSchema, { schema: "", table: "orders" })[0]).toEqual({
      path: "schema",
      message: "Destination schema is required",
    });
  });

  it.each(["main", "_autoloader", "information_schema", "pg_catalog", "temp", "system", " main "])(
    "refuses the reserved schema %j",
    (schema) => {
      expect(issues(destinationSchema, { schema, table: "orders" })).toEqual([{ path: "schema", message: RESERVED }]);
    },
  );

  it("allows a reserved word as a table name", () => {
    expect(destinationSchema.parse({ schema: "raw", table: "main" })).toEqual({
      schema: "raw",
      table: "main",
      partitionColumns: [],
    });
  });

  it("checks partition columns", () => {
    expect(destinationSchema.parse({ schema: "raw", table: "t", partitionColumns: ["a", "b", "c", "d"] }).partitionColumns).toEqual([
      "a",
      "b",
      "c",
      "d",
    ]);
    expect(issues(destinationSchema, { schema: "raw", table: "t", partitionColumns: ["day", "Region"] })).toEqual([
      { path: "partitionColumns.1", message: `Partition column ${IDENTIFIER_RULE}` },
    ]);
    expect(issues(destinationSchema, { schema: "raw", table: "t", partitionColumns: ["a", "b", "c", "d", "e"] })).toEqual([
      { path: "partitionColumns", message: "At most 4 partition columns" },
    ]);
  });
});

describe("schemaPolicySchema", () => {
  it.each(["ADD_NEW_COLUMNS", "RESCUE", "FAIL_ON_NEW_COLUMNS", "NONE"])("accepts the evolution mode %j", (evolutionMode) => {
    expect(schemaPolicySchema.parse({ evolutionMode })).toEqual({ evolutionMode, hints: {} });
  });

  it.each(["add_new_columns", "MERGE", ""])("rejects the evolution mode %j", (evolutionMode) => {
    expect(issues(schemaPolicySchema, { evolutionMode })).toEqual([
      { path: "evolutionMode", message: "Evolution mode must be one of ADD_NEW_COLUMNS, RESCUE, FAIL_ON_NEW_COLUMNS, NONE" },
    ]);
  });

  it.each([
    ["DECIMAL(18,2)", "DECIMAL(18,2)"],
    ["decimal( 18 , 2 )", "DECIMAL(18,2)"],
    ["Decimal(38,38)", "DECIMAL(38,38)"],
    ["bigint", "BIGINT"],
    ["  timestamptz  ", "TIMESTAMPTZ"],
    ["VARCHAR", "VARCHAR"],
    ["uuid", "UUID"],
    ["Json", "JSON"],
  ])("accepts and normalises the hint %j as %j", (hint, normalised) => {
    expect(schemaPolicySchema.parse({ hints: { amount: hint } }).hints).toEqual({ amount: normalised });
  });

  it("trims hinted column names", () => {
    expect(schemaPolicySchema.parse({ hints: { "  amount  ": "DOUBLE" } }).hints).toEqual({ amount: "DOUBLE" });
  });

  it.each(["TEXT", "STRING", "DECIMAL(18)", "DECIMAL(180,2)", "VARCHAR(10)", "BIGINT; DROP TABLE t", "INT[]", ""])(
    "rejects the hint %j",
    (hint) => {
      expect(issues(schemaPolicySchema, { hints: { amount: hint } })).toEqual([{ path: "hints.amount", message: HINT_RULE }]);
    },
  );

  // DuckDB's DECIMAL(width, scale) needs 1 <= width <= 38 and scale <= width; other values fail at load time.
  it.each(["DECIMAL(39,2)", "DECIMAL(2,18)", "DECIMAL(0,0)"])(
    "rejects the hint %j, which DuckDB cannot create",
    (hint) => {
      expect(issues(schemaPolicySchema, { hints: { amount: hint } })).toEqual([{ path: "hints.amount", message: HINT_RULE }]);
    },
  );

  // zod reports a failing record key as "Invalid key in record"; users should see the key rule's own message.
  it.each([
    ["an empty name", "", "A hinted column needs a name"],
    ["a 256-character name", "c".repeat(256), "Column names are at most 255 characters"],
  ])("says why a hinted column with %s is refused", (_label, column, message) => {
    expect(issues(schemaPolicySchema, { hints: { [column]: "BIGINT" } }).map((i) => i.message)).toEqual([message]);
  });

  it("allows at most 200 hints", () => {
    const hints = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`c${i}`, "BIGINT"]));
    expect(Object.keys(schemaPolicySchema.parse({ hints: hints(200) }).hints)).toHaveLength(200);
    expect(issues(schemaPolicySchema, { hints: hints(201) })).toEqual([{ path: "hints", message: "At most 200 schema hints" }]);
  });
});

describe("scheduleSchema", () => {
  it.each([
    [
      "NONE drops every other field",
      { frequency: "NONE", time: "14:30", weekday: 2, cron: "0 * * * *" },
      { frequency: "NONE", time: null, weekday: null, cron: null, timezone: "UTC" },
    ],
    [
      "HOURLY drops time, weekday and cron",
      { frequency: "HOURLY", time: "14:30", weekday: 2, cron: "0 * * * *", timezone: "Asia/Tokyo" },
      { frequency: "HOURLY", time: null, weekday: null, cron: null, timezone: "Asia/Tokyo" },
    ],
    [
      "DAILY without a time runs at midnight",
      { frequency: "DAILY" },
      { frequency: "DAILY", time: "00:00", weekday: null, cron: null, timezone: "UTC" },
    ],
    [
      "DAILY keeps its time and drops a weekday",
      { frequency: "DAILY", time: " 14:30 ", weekday: 2, timezone: "America/New_York" },
      { frequency: "DAILY", time: "14:30", weekday: null, cron: null, timezone: "America/New_York" },
    ],
    [
      "WEEKLY without a weekday runs on Sunday",
      { frequency: "WEEKLY", time: "09:05" },
      { frequency: "WEEKLY", time: "09:05", weekday: 0, cron: null, timezone: "UTC" },
    ],
    [
      "WEEKLY without a time runs at midnight",
      { frequency: "WEEKLY", weekday: 6, time: null },
      { frequency: "WEEKLY", time: "00:00", weekday: 6, cron: null, timezone: "UTC" },
    ],
    [
      "CUSTOM keeps a normalised cron and drops time and weekday",
      { frequency: "CUSTOM", cron: "  */15   *  * * *  ", time: "14:30", weekday: 1, timezone: " Europe/Berlin " },
      { frequency: "CUSTOM", time: null, weekday: null, cron: "*/15 * * * *", timezone: "Europe/Berlin" },
    ],
  ])("%s", (_label, input, parsed) => {
    expect(scheduleSchema.parse(input)).toEqual(parsed);
  });

  it.each([undefined, "daily", "MONTHLY", ""])("rejects the frequency %j", (frequency) => {
    expect(issues(scheduleSchema, { frequency })).toEqual([
      { path: "frequency", message: "Schedule must be one of NONE, HOURLY, DAILY, WEEKLY, CUSTOM" },
    ]);
  });

  it.each(["25:99", "7:5", "24:00", "12:60", "14:30:00", "2pm", ""])("rejects the time %j", (time) => {
    expect(issues(scheduleSchema, { frequency: "DAILY", time })).toEqual([{ path: "time", message: TIME_RULE }]);
  });

  it.each([7, -1, 1.5, "3", Number.NaN])("rejects the weekday %j", (weekday) => {
    expect(issues(scheduleSchema, { frequency: "WEEKLY", weekday })).toEqual([{ path: "weekday", message: WEEKDAY_RULE }]);
  });

  it.each([
    [undefined, `${FIVE_FIELDS} nothing`],
    ["", `${FIVE_FIELDS} nothing`],
    ["* * * *", `${FIVE_FIELDS} 4 field(s)`],
    ["0 0 * * * *", `${FIVE_FIELDS} 6 field(s)`],
    ["61 * * * *", 'Invalid cron expression "61 * * * *": Invalid value for minute: 61'],
    ["0 0 30 2 *", 'The cron expression "0 0 30 2 *" never fires'],
  ])("rejects the custom cron %j", (cron, message) => {
    expect(issues(scheduleSchema, { frequency: "CUSTOM", cron })).toEqual([{ path: "cron", message }]);
  });

  it.each(["Mars/Base", "", "  ", "Europe/Atlantis"])("rejects the time zone %j", (timezone) => {
    expect(issues(scheduleSchema, { frequency: "DAILY", timezone })).toEqual([{ path: "timezone", message: TIME_ZONE_RULE }]);
  });
});

describe("limitsSchema", () => {
  it("defaults to no limits", () => {
    expect(limitsSchema.parse({})).toEqual({ maxFilesPerRun: null, maxBytesPerRun: null });
  });

  it("accepts the bounds", () => {
    expect(limitsSchema.parse({ maxFilesPerRun: 1, maxBytesPerRun: 1 })).toEqual({ maxFilesPerRun: 1, maxBytesPerRun: 1 });
    expect(limitsSchema.parse({ maxFilesPerRun: 1_000_000, maxBytesPerRun: MAX_BYTES_PER_RUN })).toEqual({
      maxFilesPerRun: 1_000_000,
      maxBytesPerRun: 2 ** 50,
    });
  });

  it.each([
    [0, "Max files per run must be at least 1"],
    [-5, "Max files per run must be at least 1"],
    [1.5, "Max files per run must be a whole number"],
    ["10", "Max files per run must be a whole number"],
    [Number.POSITIVE_INFINITY, "Max files per run must be a whole number"],
    [1_000_001, "Max files per run must be at most 1,000,000"],
  ])("rejects %j files per run", (maxFilesPerRun, message) => {
    expect(issues(limitsSchema, { maxFilesPerRun })).toEqual([{ path: "maxFilesPerRun", message }]);
  });

  it.each([
    [0, "Max bytes per run must be at least 1 byte"],
    [-1, "Max bytes per run must be at least 1 byte"],
    [0.5, "Max bytes per run must be a whole number of bytes"],
    ["1024", "Max bytes per run must be a whole number of bytes"],
    [2 ** 50 + 1, "Max bytes per run must be at most 1 PiB"],
  ])("rejects %j bytes per run", (maxBytesPerRun, message) => {
    expect(issues(limitsSchema, { maxBytesPerRun })).toEqual([{ path: "maxBytesPerRun", message }]);
  });
});

describe("updateIngestionInput", () => {
  it("accepts a patch of one field", () => {
    expect(updateIngestionInput.parse({ id: "ing_1", patch: { name: "  Renamed  " } })).toEqual({
      id: "ing_1",
      patch: { name: "Renamed" },
      adoptExistingTable: false,
    });
  });

  it("normalises a patched schedule like a new one", () => {
    expect(
      updateIngestionInput.parse({ id: "ing_1", patch: { schedule: { frequency: "HOURLY", time: "10:00" }, description: null } }),
    ).toEqual({
      id: "ing_1",
      patch: { description: null, schedule: { frequency: "HOURLY", time: null, weekday: null, cron: null, timezone: "UTC" } },
      adoptExistingTable: false,
    });
  });

  it("takes adoptExistingTable as a boolean only", () => {
    expect(updateIngestionInput.parse({ id: "ing_1", patch: { name: "x" }, adoptExistingTable: true }).adoptExistingTable).toBe(true);
    expect(issues(updateIngestionInput, { id: "ing_1", patch: { name: "x" }, adoptExistingTable: "yes" })).toEqual([
      { path: "adoptExistingTable", message: "adoptExistingTable must be true or false" },
    ]);
  });

  it("refuses an empty patch", () => {
    expect(issues(updateIngestionInput, { id: "ing_1", patch: {} })).toEqual([
      { path: "patch", message: "Nothing to update: the patch is empty" },
    ]);
  });

  // superjson carries undefined values, so a typed client can send such a patch; it changes nothing.
  it("refuses a patch whose fields are all undefined", () => {
    expect(issues(updateIngestionInput, { id: "ing_1", patch: { name: undefined, limits: undefined } })).toEqual([
      { path: "patch", message: "Nothing to update: the patch is empty" },
    ]);
  });

  it("checks patched fields with the create rules", () => {
    expect(
      issues(updateIngestionInput, {
        id: "ing_1",
        patch: { name: "-bad", destination: { schema: "_autoloader", table: "t" }, alertRecipients: ["nope"] },
      }),
    ).toEqual([
      { path: "patch.name", message: NAME_RULE },
      { path: "patch.destination.schema", message: RESERVED },
      { path: "patch.alertRecipients.0", message: "Alert recipients must be email addresses" },
    ]);
  });

  it.each([undefined, ""])("requires an id (given %j)", (id) => {
    expect(issues(updateIngestionInput, { id, patch: { name: "x" } })).toEqual([
      { path: "id", message: "Ingestion id is required" },
    ]);
  });
});

describe("ingestionId", () => {
  it("accepts up to 64 characters", () => {
    expect(ingestionId.parse("i".repeat(64))).toBe("i".repeat(64));
  });

  // z.string({ error }) lends its message to checks that have none, such as max(64).
  it("does not call a too-long id missing", () => {
    const [issue, ...rest] = issues(ingestionId, "i".repeat(65));
    expect(rest).toEqual([]);
    expect(issue?.message).not.toBe("Ingestion id is required");
    expect(issue?.message).toMatch(/64/);
  });
});

describe("listIngestionsInput", () => {
  it.each([undefined, {}])("defaults %j to the first 20", (input) => {
    expect(listIngestionsInput.parse(input)).toEqual({ limit: 20 });
  });

  it("keeps filters, trimming the search", () => {
    expect(listIngestionsInput.parse({ status: "PAUSED", search: "  orders ", limit: 100, cursor: null })).toEqual({
      status: "PAUSED",
      search: "orders",
      limit: 100,
      cursor: null,
    });
  });

  it.each([
    [{ status: "DELETED" }, "status", "Status filter must be ACTIVE or PAUSED"],
    [{ status: "active" }, "status", "Status filter must be ACTIVE or PAUSED"],
    [{ search: "s".repeat(101) }, "search", "Search is at most 100 characters"],
    [{ limit: 0 }, "limit", "Limit must be 1–100"],
    [{ limit: 101 }, "limit", "Limit must be 1–100"],
  ])("rejects %j", (input, path, message) => {
    expect(issues(listIngestionsInput, input)).toEqual([{ path, message }]);
  });
});

describe("listingSchema", () => {
  const EVERY = "Full listing interval must be a whole number of hours from 1 to 8,760 (a year)";

  it("defaults to a FULL listing, and an ORDERED one lists everything once a day unless told otherwise", () => {
    expect(listingSchema.parse({})).toEqual({ mode: "FULL", fullListingEveryHours: 24 });
    expect(listingSchema.parse({ mode: "ORDERED" })).toEqual({ mode: "ORDERED", fullListingEveryHours: 24 });
    expect(listingSchema.parse({ mode: "ORDERED", fullListingEveryHours: 168 })).toEqual({ mode: "ORDERED", fullListingEveryHours: 168 });
  });

  it("says what a listing mode and an interval must be", () => {
    expect(issues(listingSchema, { mode: "SORTED" })).toEqual([{ path: "mode", message: "Listing mode must be one of FULL, ORDERED" }]);
    for (const bad of [0, -1, 1.5, 8_761, "24", Number.NaN]) {
      expect(issues(listingSchema, { mode: "ORDERED", fullListingEveryHours: bad })).toEqual([{ path: "fullListingEveryHours", message: EVERY }]);
    }
  });

  it("in an update each part is optional on its own, and errors carry their full path", () => {
    expect(updateIngestionInput.parse({ id: "x", patch: { listing: { mode: "ORDERED" } } }).patch.listing).toEqual({ mode: "ORDERED" });
    expect(issues(updateIngestionInput, { id: "x", patch: { listing: { fullListingEveryHours: 0 } } })).toEqual([
      { path: "patch.listing.fullListingEveryHours", message: EVERY },
    ]);
  });
});
