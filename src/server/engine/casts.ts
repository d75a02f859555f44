// Casts in DuckDB SQL that neither loads nor previews may get wrong: DuckDB rounds 1.5 to 2 when
// casting to an integer type, without a word.
import { holdsAnything } from "@/server/domain/schema-evolution";

const INTEGER_TYPES = new Set(["TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"]);

/** A value that would change when cast to an integer type: DuckDB rounds 1.5 to 2 without a word. */
export function roundsAway(src: string, to: string): string {
  if (!INTEGER_TYPES.has(to.toUpperCase())) return "false";
  const asDouble = `TRY_CAST(${src} AS DOUBLE)`;
  return `(${asDouble} IS NOT NULL AND ${asDouble} <> TRY_CAST(${asDouble} AS ${to}))`;
}

/** A non-null value that does not convert to `to` (or would lose its fraction); none does for JSON. */
export function doesNotConvert(src: string, to: string): string {
  if (holdsAnything(to)) return "false";
  return `(${src} IS NOT NULL AND (TRY_CAST(${src} AS ${to}) IS NULL OR ${roundsAway(src, to)}))`;
}
