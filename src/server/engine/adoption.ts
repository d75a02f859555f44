// Taking over a destination table that exists: what it holds (rows, lineage, whose ledger rows),
// and the warehouse half of an adoption — in one DuckDB transaction, the table's ledger rows of
// the files the adopting ingestion would load are re-keyed to it, whichever ingestion wrote them.
import type { DuckDBConnection } from "@duckdb/node-api";
import { SOURCE_FILE_COLUMN } from "@/server/domain/schema-evolution";
import { catalogOf, tableColumns } from "./load-batch";
import { LEDGER, tableLedgerSummary } from "./ledger";
import { ident, literal, qualified } from "./sql";
import { inTransaction } from "./warehouse";

export interface ExistingTable {
  rows: number;
  /** Whether its rows carry `_source_file`, so they can be told apart by file. */
  hasLineage: boolean;
  /** The table's ledger rows, per ingestion that wrote them. */
  ledger: { ingestionId: string; files: number; rows: number }[];
}

export interface AdoptionHooks {
  /** Test seam: runs after the adoption's warehouse commit, before its metadata is written (crash injection). */
  afterAdoptionCommit?: () => Promise<void> | void;
}

async function count(c: DuckDBConnection, sql: string): Promise<number> {
  const r = await c.runAndReadAll(sql);
  return Number((r.getRowObjectsJson()[0] as { n: string | number }).n);
}

async function target(c: DuckDBConnection, schema: string, table: string): Promise<string> {
  return `${ident(await catalogOf(c))}.${qualified(schema, table)}`;
}

/** The table at schema.table, or null when there is none. */
export async function existingTable(c: DuckDBConnection, schema: string, table: string): Promise<ExistingTable | null> {
  const columns = await tableColumns(c, schema, table);
  if (columns === null) return null;
  return {
    rows: await count(c, `SELECT count(*) AS n FROM ${await target(c, schema, table)}`),
    hasLineage: columns.some((col) => col.name === SOURCE_FILE_COLUMN),
    ledger: await tableLedgerSummary(c, schema, table),
  };
}

export interface AdoptedFile {
  /** Relative to the adopting ingestion's source. */
  path: string;
  /** Rows of the file in the table now. */
  rows: number;
  /** When the file was first loaded (the ledger's time, UTC wall clock). */
  loadedAt: string;
}

export interface LedgerAdoption {
  adopted: AdoptedFile[];
  tableRows: number;
  /** What stays another's: ledger rows not adopted, and every row not of an adopted file. */
  left: { files: number; rows: number };
}

const ADOPT = "__al_adopt";

/**
 * Re-keys to `ingestionId` the table's ledger rows of files under `uriPrefix` that `accepts`
 * takes (by path relative to the prefix), one row per file, counting its rows as the table holds
 * them (a file loaded twice before adoption counts both copies, and a reprocess replaces both).
 * Idempotent: running it again changes nothing. Rows of other files are not touched.
 */
export async function adoptLedger(
  c: DuckDBConnection,
  to: { ingestionId: string; schema: string; table: string; uriPrefix: string },
  accepts: (path: string) => boolean,
): Promise<LedgerAdoption> {
  return inTransaction(c, async () => {
    const columns = await tableColumns(c, to.schema, to.table);
    if (columns === null) return { adopted: [], tableRows: 0, left: { files: 0, rows: 0 } };
    if (!columns.some((col) => col.name === SOURCE_FILE_COLUMN)) {
      throw new Error(`Table ${to.schema}.${to.table} has no ${SOURCE_FILE_COLUMN} column: its rows cannot be adopted by file`);
    }
    const t = await target(c, to.schema, to.table);
    const inTable = `table_schema = ${literal(to.schema)} AND table_name = ${literal(to.table)}`;
    const candidates = await c.runAndReadAll(
      `SELECT source_file, max(run_id) AS run_id, CAST(max(loaded_at) AS VARCHAR) AS loaded_at FROM ${LEDGER}
       WHERE ${inTable} AND starts_with(source_file, ${literal(to.uriPrefix)}) GROUP BY source_file ORDER BY source_file`,
    );
    const chosen = (candidates.getRowObjectsJson() as { source_file: string; run_id: string; loaded_at: string }[])
      .map((x) => ({ ...x, path: x.source_file.slice(to.uriPrefix.length) }))
      .filter((x) => x.path !== "" && accepts(x.path));
    let adopted: AdoptedFile[] = [];
    if (chosen.length > 0) {
      await c.run(`CREATE OR REPLACE TEMP TABLE ${ADOPT} (path VARCHAR, source_file VARCHAR, run_id VARCHAR, loaded_at TIMESTAMP)`);
      for (let i = 0; i < chosen.length; i += 1000) {
        const values = chosen
          .slice(i, i + 1000)
          .map((x) => `(${literal(x.path)}, ${literal(x.source_file)}, ${literal(x.run_id)}, ${literal(x.loaded_at)})`)
          .join(", ");
        await c.run(`INSERT INTO ${ADOPT} VALUES ${values}`);
      }
      const src = ident(SOURCE_FILE_COLUMN);
      const withCounts = `SELECT a.path, a.source_file, a.run_id, a.loaded_at, coalesce(n.rows, 0) AS row_count FROM ${ADOPT} a
        LEFT JOIN (SELECT ${src} AS f, count(*) AS rows FROM ${t} WHERE ${src} IN (SELECT source_file FROM ${ADOPT}) GROUP BY 1) n
        ON n.f = a.source_file`;
      await c.run(`CREATE OR REPLACE TEMP TABLE ${ADOPT}_counted AS ${withCounts}`);
      await c.run(`DELETE FROM ${LEDGER} WHERE ${inTable} AND source_file IN (SELECT source_file FROM ${ADOPT})`);
      await c.run(
        `INSERT INTO ${LEDGER} (ingestion_id, table_schema, table_name, path, source_file, run_id, row_count, loaded_at)
         SELECT ${literal(to.ingestionId)}, ${literal(to.schema)}, ${literal(to.table)}, path, source_file, run_id, row_count, loaded_at
         FROM ${ADOPT}_counted`,
      );
      const r = await c.runAndReadAll(`SELECT path, row_count, CAST(loaded_at AS VARCHAR) AS loaded_at FROM ${ADOPT}_counted ORDER BY path`);
      adopted = (r.getRowObjectsJson() as { path: string; row_count: string; loaded_at: string }[]).map((x) => ({
        path: x.path,
        rows: Number(x.row_count),
        loadedAt: x.loaded_at,
      }));
      await c.run(`DROP TABLE ${ADOPT}_counted`);
      await c.run(`DROP TABLE ${ADOPT}`);
    }
    const tableRows = await count(c, `SELECT count(*) AS n FROM ${t}`);
    const otherFiles = await count(c, `SELECT count(*) AS n FROM ${LEDGER} WHERE ${inTable} AND ingestion_id <> ${literal(to.ingestionId)}`);
    const adoptedRows = adopted.reduce((n, f) => n + f.rows, 0);
    return { adopted, tableRows, left: { files: otherFiles, rows: tableRows - adoptedRows } };
  });
}
