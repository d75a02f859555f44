// What a tenant database holds: its tables' columns, by fully qualified name.
import type { DuckDBConnection } from "@duckdb/node-api";
import type { Column } from "@/server/domain/schema-evolution";
import { ident, literal, qualified } from "@/server/engine/sql";
import type { TableRef } from "../destination";

export async function tableColumns(c: DuckDBConnection, schema: string, table: string): Promise<Column[] | null> {
  const r = await c.runAndReadAll(
    `SELECT column_name, data_type FROM information_schema.columns
     WHERE table_catalog = current_database() AND table_schema = ${literal(schema)} AND table_name = ${literal(table)}
     ORDER BY ordinal_position`,
  );
  const rows = r.getRowObjectsJson() as { column_name: string; data_type: string }[];
  return rows.length === 0 ? null : rows.map((row) => ({ name: row.column_name, type: row.data_type }));
}

/** The database's own name: a schema may share it (tenant "raw", schema "raw"), so names are fully qualified. */
export async function catalogOf(c: DuckDBConnection): Promise<string> {
  const r = await c.runAndReadAll("SELECT current_database() AS db");
  return String((r.getRowObjectsJson()[0] as { db: string }).db);
}

/** The table's fully qualified name. */
export async function tableSql(c: DuckDBConnection, t: TableRef): Promise<string> {
  return `${ident(await catalogOf(c))}.${qualified(t.schema, t.table)}`;
}

/** The number a `SELECT count(*) AS n …` answers. */
export async function countOf(c: DuckDBConnection, sql: string): Promise<number> {
  const r = await c.runAndReadAll(sql);
  return Number((r.getRowObjectsJson()[0] as { n: string | number }).n);
}
