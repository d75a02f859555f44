// The DuckDB table function that reads a batch of files in one statement, per format.
import type { DuckDBConnection } from "@duckdb/node-api";
import type { z } from "zod";
import type { formatSchema } from "@/shared/contracts/ingestions";
import { literal } from "./sql";

export type FormatSpec = z.infer<typeof formatSchema>;

/**
 * AUTO leaves detection to DuckDB (by extension). NONE is "uncompressed", the one spelling both
 * read_json and read_csv accept.
 */
function compression(value: "AUTO" | "NONE" | "GZIP" | "ZSTD"): string {
  if (value === "AUTO") return "";
  return `compression = ${literal(value === "NONE" ? "uncompressed" : value.toLowerCase())}, `;
}

/** DuckDB reads every path as a glob pattern: a literal "[", "*" or "?" goes in brackets. */
export function escapeGlob(p: string): string {
  return p.replace(/[[*?]/g, "[$&]");
}

/** `fileColumn`: the column DuckDB fills with each row's file; no key of the files may have it (see batch-rows.ts). */
export function readerSql(format: FormatSpec, files: string[], fileColumn: string): string {
  const list = `[${files.map((f) => literal(escapeGlob(f))).join(", ")}]`;
  const common = `filename = ${literal(fileColumn)}, union_by_name = true`;
  switch (format.type) {
    case "JSON": {
      const layout = { AUTO: "auto", NEWLINE_DELIMITED: "newline_delimited", ARRAY: "array" }[format.options.layout];
      return `read_json(${list}, format = ${literal(layout)}, ${compression(format.options.compression)}${common})`;
    }
    case "CSV": {
      const o = format.options;
      return `read_csv(${list}, ${[...csvDialect(o), `nullstr = ${literal(o.nullString)}`].join(", ")}, ${compression(o.compression)}${common})`;
    }
    case "PARQUET":
      return `read_parquet(${list}, ${common})`;
  }
}

export interface CsvDialect {
  delimiter: string;
  /** null: fields are not quoted. */
  quote: string | null;
  escape: string | null;
  header: boolean;
}

type CsvOptions = Extract<FormatSpec, { type: "CSV" }>["options"];

/** The dialect options a CSV read is given: what the user left unset, DuckDB's sniffer detects per file. */
function csvDialect(o: CsvOptions): string[] {
  return [
    o.delimiter == null ? null : `delim = ${literal(o.delimiter)}`,
    o.quote == null ? null : `quote = ${literal(o.quote)}`,
    o.escape == null ? null : `escape = ${literal(o.escape)}`,
    `header = ${o.header}`,
  ].filter((x) => x !== null);
}

/** The dialect DuckDB reads a CSV file with: what the options set, detected where they do not. */
export async function sniffCsv(c: DuckDBConnection, format: Extract<FormatSpec, { type: "CSV" }>, localPath: string): Promise<CsvDialect> {
  const o = format.options;
  const comp = compression(o.compression).replace(/, $/, "");
  const r = await c.runAndReadAll(
    `SELECT Delimiter AS d, Quote AS q, Escape AS e, HasHeader AS h FROM sniff_csv(${literal(escapeGlob(localPath))}, ${[...csvDialect(o), ...(comp ? [comp] : [])].join(", ")})`,
  );
  const row = r.getRowObjectsJson()[0] as { d: string; q: string; e: string; h: boolean };
  const orNull = (v: string) => (v === "(empty)" || v === "" ? null : v);
  return { delimiter: row.d, quote: orNull(row.q), escape: orNull(row.e), header: row.h };
}
