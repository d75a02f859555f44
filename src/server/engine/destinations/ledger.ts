// The warehouse's ledger of loaded files: one row per (table, ingestion, file), written in the
// same DuckDB transaction as the file's rows. It is the truth about what a table holds: runs
// reconcile from it after a crash, maintenance removes rows by it, adoption rebuilds a history
// from it. Every statement here is scoped to a table, and to an ingestion unless it says not.
import { LIST, listValue, VARCHAR, type DuckDBConnection } from "@duckdb/node-api";
import { literal } from "@/server/engine/sql";
import type { LedgerRecord, LedgerScope, LedgerSummary, TableRef } from "./destination";
import { countOf } from "./duckdb/catalog";

export const LEDGER = "_autoloader.loaded_files";

const LEDGER_DDL = `
CREATE SCHEMA IF NOT EXISTS _autoloader;
CREATE TABLE IF NOT EXISTS ${LEDGER} (
  ingestion_id VARCHAR NOT NULL,
  table_schema VARCHAR NOT NULL,
  table_name VARCHAR NOT NULL,
  path VARCHAR NOT NULL,
  source_file VARCHAR NOT NULL,
  run_id VARCHAR NOT NULL,
  row_count BIGINT NOT NULL,
  loaded_at TIMESTAMP NOT NULL,
  PRIMARY KEY (table_schema, table_name, ingestion_id, path)
);`;

/** Where a first-version ledger row (which did not record its table) belongs, by ingestion id. */
export type LegacyDestinations = Map<string, { schema: string; table: string; uriPrefix: string }>;

/**
 * Creates the ledger, or brings a first-version one (keyed by ingestion and path only) to this
 * layout: rows of ingestions named in `legacy` take that ingestion's table; rows of ingestions
 * nobody knows any more keep an empty table name and are never matched.
 */
export async function ensureLedger(
  c: DuckDBConnection,
  /** Asked only when there is a first-version ledger to bring up to date. */
  legacyDestinations: () => Promise<LegacyDestinations> = async () => new Map(),
): Promise<void> {
  const r = await c.runAndReadAll(
    `SELECT column_name FROM information_schema.columns
     WHERE table_catalog = current_database() AND table_schema = '_autoloader' AND table_name = 'loaded_files'`,
  );
  const columns = new Set((r.getRowObjectsJson() as { column_name: string }[]).map((x) => x.column_name));
  if (columns.size === 0 || columns.has("table_name")) {
    await c.run(LEDGER_DDL);
    return;
  }
  const legacy = await legacyDestinations();
  await c.run("BEGIN TRANSACTION");
  try {
    await c.run(`ALTER TABLE ${LEDGER} RENAME TO loaded_files_v1`);
    await c.run(LEDGER_DDL);
    const known = [...legacy.entries()];
    const map =
      known.length === 0
        ? "(SELECT NULL::VARCHAR AS id, NULL::VARCHAR AS s, NULL::VARCHAR AS t, NULL::VARCHAR AS p WHERE false) AS m"
        : `(VALUES ${known.map(([id, d]) => `(${literal(id)}, ${literal(d.schema)}, ${literal(d.table)}, ${literal(d.uriPrefix)})`).join(", ")}) AS m(id, s, t, p)`;
    await c.run(
      `INSERT INTO ${LEDGER} (ingestion_id, table_schema, table_name, path, source_file, run_id, row_count, loaded_at)
       SELECT v.ingestion_id, coalesce(m.s, ''), coalesce(m.t, ''), v.path, coalesce(m.p || v.path, ''), v.run_id, v.row_count, v.loaded_at
       FROM _autoloader.loaded_files_v1 v LEFT JOIN ${map} ON m.id = v.ingestion_id`,
    );
    await c.run("DROP TABLE _autoloader.loaded_files_v1");
    await c.run("COMMIT");
  } catch (error) {
    await c.run("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

function tableScope(schema: string, table: string): string {
  return `table_schema = ${literal(schema)} AND table_name = ${literal(table)}`;
}

function scopeSql(s: LedgerScope): string {
  return `${tableScope(s.schema, s.table)} AND ingestion_id = ${literal(s.ingestionId)}`;
}

/**
 * The batch's paths (and whatever else goes with them) travel as list parameters of one prepared
 * statement: parsing and binding thousands of literals (IN lists, VALUES rows) cost more than
 * the work itself (5,000 ledger rows: 0.2 s as VALUES, a few ms as lists).
 */
const TEXT_LIST = LIST(VARCHAR);

/** The ledger rows of these files (by path), for the scope's ingestion and table. */
export async function ledgerRowsOf(
  c: DuckDBConnection,
  scope: LedgerScope,
  paths: string[],
): Promise<Map<string, LedgerRecord>> {
  const out = new Map<string, LedgerRecord>();
  if (paths.length === 0) return out;
  const r = await c.runAndReadAll(
    `SELECT path, row_count, run_id FROM ${LEDGER} WHERE ${scopeSql(scope)}
     AND path IN (SELECT unnest($1::VARCHAR[]))`,
    [listValue(paths)],
    [TEXT_LIST],
  );
  for (const row of r.getRowObjectsJson() as { path: string; row_count: string; run_id: string }[]) {
    out.set(row.path, { rows: Number(row.row_count), runId: row.run_id });
  }
  return out;
}

/**
 * Records a batch's files as loaded by `runId`, each with the rows `rowsSql` counts for its
 * `_source_file` (a relation of `source_file`, `n`; none: 0 rows), in one statement; call inside
 * the transaction that wrote their rows. Returns the rows recorded per path.
 */
export async function recordBatchLoaded(
  c: DuckDBConnection,
  scope: LedgerScope,
  runId: string,
  files: { path: string; sourceFile: string }[],
  rowsSql: string,
  at: Date,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (files.length === 0) return out;
  const r = await c.runAndReadAll(
    `INSERT INTO ${LEDGER} (ingestion_id, table_schema, table_name, path, source_file, run_id, row_count, loaded_at)
     SELECT ${literal(scope.ingestionId)}, ${literal(scope.schema)}, ${literal(scope.table)}, m.path, m.source_file,
            ${literal(runId)}, coalesce(n.n, 0), ${literal(at.toISOString())}::TIMESTAMP
     FROM (SELECT unnest($1::VARCHAR[]) AS path, unnest($2::VARCHAR[]) AS source_file) AS m
     LEFT JOIN (${rowsSql}) AS n ON n.source_file = m.source_file
     RETURNING path, row_count`,
    [listValue(files.map((f) => f.path)), listValue(files.map((f) => f.sourceFile))],
    [TEXT_LIST, TEXT_LIST],
  );
  for (const row of r.getRowObjectsJson() as { path: string; row_count: string | number }[]) out.set(row.path, Number(row.row_count));
  return out;
}

/** How many files the ledger records for the scope's ingestion in its table. */
export async function countLedger(c: DuckDBConnection, scope: LedgerScope): Promise<number> {
  return countOf(c, `SELECT count(*) AS n FROM ${LEDGER} WHERE ${scopeSql(scope)}`);
}

/** Rows of the table whose `_source_file` the scope's ledger names (for these paths, or all). */
export function ledgerSourceFilesSql(scope: LedgerScope, pathsTable: string | null): string {
  const paths = pathsTable === null ? "" : ` AND path IN (SELECT path FROM ${pathsTable})`;
  return `SELECT source_file FROM ${LEDGER} WHERE ${scopeSql(scope)}${paths}`;
}

/** Forgets the scope's entries (for the paths listed in `pathsTable`, or all); returns how many. */
export async function forgetLedger(c: DuckDBConnection, scope: LedgerScope, pathsTable: string | null): Promise<number> {
  const where = `${scopeSql(scope)}${pathsTable === null ? "" : ` AND path IN (SELECT path FROM ${pathsTable})`}`;
  const n = await countOf(c, `SELECT count(*) AS n FROM ${LEDGER} WHERE ${where}`);
  if (n > 0) await c.run(`DELETE FROM ${LEDGER} WHERE ${where}`);
  return n;
}

/** Forgets every entry of a table, whichever ingestion wrote it (the table is gone). */
export async function forgetTable(c: DuckDBConnection, schema: string, table: string): Promise<number> {
  const where = tableScope(schema, table);
  const n = await countOf(c, `SELECT count(*) AS n FROM ${LEDGER} WHERE ${where}`);
  if (n > 0) await c.run(`DELETE FROM ${LEDGER} WHERE ${where}`);
  return n;
}

/** Per ingestion id: the files the ledger records in a table (for adoption and refusals). */
export async function tableLedgerSummary(
  c: DuckDBConnection,
  schema: string,
  table: string,
): Promise<LedgerSummary[]> {
  const r = await c.runAndReadAll(
    `SELECT ingestion_id, count(*) AS files, coalesce(sum(row_count), 0) AS n FROM ${LEDGER}
     WHERE ${tableScope(schema, table)} GROUP BY 1 ORDER BY 1`,
  );
  return (r.getRowObjectsJson() as { ingestion_id: string; files: string; n: string }[]).map((x) => ({
    ingestionId: x.ingestion_id,
    files: Number(x.files),
    rows: Number(x.n),
  }));
}

/** Adoption: one entry per file of the table under `uriPrefix`, whichever ingestion wrote it (its newest run and time). */
export async function tableLedgerFilesUnder(
  c: DuckDBConnection,
  t: TableRef,
  uriPrefix: string,
): Promise<{ source_file: string; run_id: string; loaded_at: string }[]> {
  const r = await c.runAndReadAll(
    `SELECT source_file, max(run_id) AS run_id, CAST(max(loaded_at) AS VARCHAR) AS loaded_at FROM ${LEDGER}
       WHERE ${tableScope(t.schema, t.table)} AND starts_with(source_file, ${literal(uriPrefix)}) GROUP BY source_file ORDER BY source_file`,
  );
  return r.getRowObjectsJson() as { source_file: string; run_id: string; loaded_at: string }[];
}

/** The `source_file` of every entry of the table, whichever ingestion wrote it. */
export function tableSourceFilesSql(t: TableRef): string {
  return `SELECT source_file FROM ${LEDGER} WHERE ${tableScope(t.schema, t.table)}`;
}

/**
 * Adoption: first-version entries (no table: their ingestion was gone when the ledger was
 * upgraded) of the files `adopting` (a temporary table: path, run_id, loaded_at, recorded) has
 * as not recorded give those rows their run and time, and go, so no entry of the file is left
 * that no table claims.
 */
export async function takeOverFirstVersionEntries(c: DuckDBConnection, adopting: string): Promise<void> {
  const legacy = `table_schema = '' AND table_name = ''`;
  await c.run(
    `UPDATE ${adopting} SET run_id = l.run_id, loaded_at = l.loaded_at
         FROM (SELECT path, max(run_id) AS run_id, max(loaded_at) AS loaded_at FROM ${LEDGER}
               WHERE ${legacy} AND path IN (SELECT path FROM ${adopting} WHERE NOT recorded) GROUP BY path) l
         WHERE ${adopting}.path = l.path AND NOT ${adopting}.recorded`,
  );
  await c.run(`DELETE FROM ${LEDGER} WHERE ${legacy} AND path IN (SELECT path FROM ${adopting} WHERE NOT recorded)`);
}

/**
 * Adoption: the table's entries of the files in `files` (a temporary table: path, source_file,
 * run_id, loaded_at, row_count) become one entry each of the scope's ingestion.
 */
export async function rekeyLedger(c: DuckDBConnection, scope: LedgerScope, files: string): Promise<void> {
  await c.run(`DELETE FROM ${LEDGER} WHERE ${tableScope(scope.schema, scope.table)} AND source_file IN (SELECT source_file FROM ${files})`);
  await c.run(
    `INSERT INTO ${LEDGER} (ingestion_id, table_schema, table_name, path, source_file, run_id, row_count, loaded_at)
         SELECT ${literal(scope.ingestionId)}, ${literal(scope.schema)}, ${literal(scope.table)}, path, source_file, run_id, row_count, loaded_at
         FROM ${files}`,
  );
}
