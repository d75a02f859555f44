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
  /** Of `adopted`, the files the table's ledger had no entry for, known by their rows' `_source_file`. */
  bySourceFile: number;
  tableRows: number;
  /** What stays another's: files of the table (by ledger or `_source_file`) not adopted, and every row not of an adopted file. */
  left: { files: number; rows: number };
}

const ADOPT = "__al_adopt";

/** The run id of a ledger row that adoption wrote for a file it knew only by `_source_file`. */
const ADOPTED_RUN_ID = "adopted";

interface Chosen {
  path: string;
  source_file: string;
  run_id: string;
  loaded_at: string;
  /** Whether the table's ledger has a row of the file (else it is known by `_source_file` only). */
  recorded: boolean;
}

/**
 * Makes `ingestionId` the owner, in the ledger, of the table's files under `uriPrefix` that
 * `accepts` takes (by path relative to the prefix), one row per file, counting its rows as the
 * table holds them (a file loaded twice before adoption counts both copies, and a reprocess
 * replaces both). The files are those of the table's ledger rows, whichever ingestion wrote them
 * (re-keyed), and those its rows name in `_source_file` that the ledger has no row of for this
 * table — a table from a warehouse whose first-version ledger could not be attributed (its
 * loader deleted before the upgrade), or written by another tool. Those get a ledger row
 * (run `adopted`, loaded `now`); a first-version row of the same path, which no table claims,
 * is re-keyed into it (its run and time kept) rather than left behind.
 * Idempotent: running it again changes nothing. Rows of other files are not touched.
 */
export async function adoptLedger(
  c: DuckDBConnection,
  to: { ingestionId: string; schema: string; table: string; uriPrefix: string },
  accepts: (path: string) => boolean,
  now: Date,
): Promise<LedgerAdoption> {
  return inTransaction(c, async () => {
    const columns = await tableColumns(c, to.schema, to.table);
    if (columns === null) return { adopted: [], bySourceFile: 0, tableRows: 0, left: { files: 0, rows: 0 } };
    if (!columns.some((col) => col.name === SOURCE_FILE_COLUMN)) {
      throw new Error(`Table ${to.schema}.${to.table} has no ${SOURCE_FILE_COLUMN} column: its rows cannot be adopted by file`);
    }
    const t = await target(c, to.schema, to.table);
    const src = ident(SOURCE_FILE_COLUMN);
    const prefix = literal(to.uriPrefix);
    const inTable = `table_schema = ${literal(to.schema)} AND table_name = ${literal(to.table)}`;
    const underPrefix = <R extends { source_file: string }>(rows: R[]): (R & { path: string })[] =>
      rows.map((x) => ({ ...x, path: x.source_file.slice(to.uriPrefix.length) })).filter((x) => x.path !== "" && accepts(x.path));
    const recorded = await c.runAndReadAll(
      `SELECT source_file, max(run_id) AS run_id, CAST(max(loaded_at) AS VARCHAR) AS loaded_at FROM ${LEDGER}
       WHERE ${inTable} AND starts_with(source_file, ${prefix}) GROUP BY source_file ORDER BY source_file`,
    );
    const unrecorded = await c.runAndReadAll(
      `SELECT DISTINCT ${src} AS source_file FROM ${t}
       WHERE starts_with(${src}, ${prefix}) AND ${src} NOT IN (SELECT source_file FROM ${LEDGER} WHERE ${inTable})
       ORDER BY 1`,
    );
    // A timestamp column ignores the zone in its input: the UTC wall time is stored, as the loads do.
    const at = now.toISOString();
    const chosen: Chosen[] = [
      ...underPrefix(recorded.getRowObjectsJson() as { source_file: string; run_id: string; loaded_at: string }[]).map((x) => ({
        ...x,
        recorded: true,
      })),
      ...underPrefix(unrecorded.getRowObjectsJson() as { source_file: string }[]).map((x) => ({
        ...x,
        run_id: ADOPTED_RUN_ID,
        loaded_at: at,
        recorded: false,
      })),
    ];
    let adopted: AdoptedFile[] = [];
    if (chosen.length > 0) {
      await c.run(
        `CREATE OR REPLACE TEMP TABLE ${ADOPT} (path VARCHAR, source_file VARCHAR, run_id VARCHAR, loaded_at TIMESTAMP, recorded BOOLEAN)`,
      );
      for (let i = 0; i < chosen.length; i += 1000) {
        const values = chosen
          .slice(i, i + 1000)
          .map((x) => `(${literal(x.path)}, ${literal(x.source_file)}, ${literal(x.run_id)}, ${literal(x.loaded_at)}, ${x.recorded})`)
          .join(", ");
        await c.run(`INSERT INTO ${ADOPT} VALUES ${values}`);
      }
      // First-version rows (no table: their ingestion was gone when the ledger was upgraded) of
      // the files known by `_source_file` only: their run and time become the new row's, and
      // they go, so no row of the file is left that no table claims.
      const legacy = `table_schema = '' AND table_name = ''`;
      await c.run(
        `UPDATE ${ADOPT} SET run_id = l.run_id, loaded_at = l.loaded_at
         FROM (SELECT path, max(run_id) AS run_id, max(loaded_at) AS loaded_at FROM ${LEDGER}
               WHERE ${legacy} AND path IN (SELECT path FROM ${ADOPT} WHERE NOT recorded) GROUP BY path) l
         WHERE ${ADOPT}.path = l.path AND NOT ${ADOPT}.recorded`,
      );
      await c.run(`DELETE FROM ${LEDGER} WHERE ${legacy} AND path IN (SELECT path FROM ${ADOPT} WHERE NOT recorded)`);
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
    }
    const tableRows = await count(c, `SELECT count(*) AS n FROM ${t}`);
    // Every file the table holds or its ledger names, but the adopted ones.
    const adoptedFiles = chosen.length > 0 ? `SELECT source_file FROM ${ADOPT}` : "SELECT NULL::VARCHAR WHERE false";
    const filesLeft = await count(
      c,
      `SELECT count(*) AS n FROM (
         SELECT source_file AS f FROM ${LEDGER} WHERE ${inTable}
         UNION SELECT ${src} FROM ${t} WHERE ${src} IS NOT NULL
       ) files WHERE f NOT IN (${adoptedFiles})`,
    );
    if (chosen.length > 0) await c.run(`DROP TABLE ${ADOPT}`);
    const adoptedRows = adopted.reduce((n, f) => n + f.rows, 0);
    return {
      adopted,
      bySourceFile: chosen.filter((x) => !x.recorded).length,
      tableRows,
      left: { files: filesLeft, rows: tableRows - adoptedRows },
    };
  });
}
