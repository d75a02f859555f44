// Destination maintenance for refresh, reprocess, clear and delete: each change to a table and
// to the ledger of its loaded files commits in one DuckDB transaction, like a load does.
import type { DuckDBConnection } from "@duckdb/node-api";
import { SOURCE_FILE_COLUMN } from "@/server/domain/schema-evolution";
import { countOf, tableColumns, tableSql } from "./catalog";
import { ident, literal } from "@/server/engine/sql";
import { countLedger, forgetLedger, forgetTable, ledgerSourceFilesSql, tableLedgerSummary } from "../ledger";
import type { LedgerScope, TableRef, TableState } from "../destination";
import { inTransaction } from "./warehouse";

/** Rows in the destination table, or null when it does not exist. */
export async function destinationRows(c: DuckDBConnection, d: TableRef): Promise<number | null> {
  if ((await tableColumns(c, d.schema, d.table)) === null) return null;
  return countOf(c, `SELECT count(*) AS n FROM ${await tableSql(c, d)}`);
}

/** The table (columns, rows, lineage) and its ledger, per ingestion. */
export async function describeTable(c: DuckDBConnection, t: TableRef): Promise<TableState> {
  const columns = await tableColumns(c, t.schema, t.table);
  const ledger = await tableLedgerSummary(c, t.schema, t.table);
  if (columns === null) return { table: null, ledger };
  const rows = await countOf(c, `SELECT count(*) AS n FROM ${await tableSql(c, t)}`);
  return { table: { columns, rows, hasLineage: columns.some((col) => col.name === SOURCE_FILE_COLUMN) }, ledger };
}

/**
 * Drops the destination table and forgets its ledger entries, together (every ingestion's: the
 * rows they describe are gone); `ledgerEntriesRemoved` counts the ingestion's own.
 */
export async function dropDestination(
  c: DuckDBConnection,
  d: LedgerScope,
): Promise<{ tableExisted: boolean; rowsDropped: number; ledgerEntriesRemoved: number }> {
  return inTransaction(c, async () => {
    const rows = await destinationRows(c, d);
    if (rows !== null) await c.run(`DROP TABLE ${await tableSql(c, d)}`);
    const own = await countLedger(c, d);
    await forgetTable(c, d.schema, d.table);
    return { tableExisted: rows !== null, rowsDropped: rows ?? 0, ledgerEntriesRemoved: own };
  });
}

const FORGET = "__al_forget";

/**
 * Takes loaded files back out of the destination: deletes their rows (found by `_source_file`)
 * and their ledger entries, so a later run loads them again exactly once. `paths` null means all
 * of the ingestion's files.
 */
export async function forgetLoadedFiles(
  c: DuckDBConnection,
  d: LedgerScope,
  paths: string[] | null,
): Promise<{ rowsDeleted: number; ledgerEntriesRemoved: number }> {
  if (paths !== null && paths.length === 0) return { rowsDeleted: 0, ledgerEntriesRemoved: 0 };
  return inTransaction(c, async () => {
    if (paths !== null) {
      await c.run(`CREATE OR REPLACE TEMP TABLE ${FORGET} (path VARCHAR)`);
      for (let i = 0; i < paths.length; i += 1000) {
        const values = paths.slice(i, i + 1000).map((p) => `(${literal(p)})`).join(", ");
        await c.run(`INSERT INTO ${FORGET} VALUES ${values}`);
      }
    }
    const pathsTable = paths === null ? null : FORGET;
    const columns = await tableColumns(c, d.schema, d.table);
    if (columns && !columns.some((col) => col.name === SOURCE_FILE_COLUMN)) {
      // Without lineage the rows cannot be found: forgetting the ledger alone would load them twice.
      throw new Error(
        `Table ${d.schema}.${d.table} has no ${SOURCE_FILE_COLUMN} column, so the rows of these files cannot be removed; refresh the ingestion instead`,
      );
    }
    let rowsDeleted = 0;
    if (columns) {
      // Only rows of files this ingestion's ledger names in this table: never another's.
      const t = await tableSql(c, d);
      const uris = ledgerSourceFilesSql(d, pathsTable);
      rowsDeleted = await countOf(c, `SELECT count(*) AS n FROM ${t} WHERE ${ident(SOURCE_FILE_COLUMN)} IN (${uris})`);
      if (rowsDeleted > 0) await c.run(`DELETE FROM ${t} WHERE ${ident(SOURCE_FILE_COLUMN)} IN (${uris})`);
    }
    const ledgerEntriesRemoved = await forgetLedger(c, d, pathsTable);
    if (paths !== null) await c.run(`DROP TABLE IF EXISTS ${FORGET}`);
    return { rowsDeleted, ledgerEntriesRemoved };
  });
}
