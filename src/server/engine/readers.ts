// The DuckDB table function that reads a batch of files in one statement, per format.
import type { z } from "zod";
import type { formatSchema } from "@/server/domain/ingestion-input";
import { literal } from "./sql";

export type FormatSpec = z.infer<typeof formatSchema>;

/** Name of the column DuckDB fills with each row's file (unlikely to meet a data column). */
export const FILE_COLUMN = "__al_file";

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

export function readerSql(format: FormatSpec, files: string[]): string {
  const list = `[${files.map((f) => literal(escapeGlob(f))).join(", ")}]`;
  const common = `filename = ${literal(FILE_COLUMN)}, union_by_name = true`;
  switch (format.type) {
    case "JSON": {
      const layout = { AUTO: "auto", NEWLINE_DELIMITED: "newline_delimited", ARRAY: "array" }[format.options.layout];
      return `read_json(${list}, format = ${literal(layout)}, ${compression(format.options.compression)}${common})`;
    }
    case "CSV": {
      const o = format.options;
      return (
        `read_csv(${list}, delim = ${literal(o.delimiter)}, header = ${o.header}, quote = ${literal(o.quote)}, ` +
        `escape = ${literal(o.escape)}, nullstr = ${literal(o.nullString)}, ${compression(o.compression)}${common})`
      );
    }
    case "PARQUET":
      return `read_parquet(${list}, ${common})`;
  }
}
