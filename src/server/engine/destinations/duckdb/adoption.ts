// The warehouse half of taking over a destination table that exists: in one DuckDB transaction,
// the table's ledger rows of the files the adopting ingestion would load are re-keyed to it,
// whichever ingestion wrote them.
import type { DuckDBConnection } from "@duckdb/node-api";
import { SOURCE_FILE_COLUMN } from "@/server/domain/schema-evolution";
import { countOf, tableColumns, tableSql } from "./catalog";
import { rekeyLedger, tableLedgerFilesUnder, tableSourceFilesSql, takeOverFirstVersionEntries } from "../ledger";
import { ident, literal } from "@/server/engine/sql";
import type { AdoptedFile, LedgerAdoption } from "../destination";
import { inTransaction } from "./warehouse";

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
    const t = await tableSql(c, to);
    const src = ident(SOURCE_FILE_COLUMN);
    const prefix = literal(to.uriPrefix);
    const inLedger = tableSourceFilesSql(to);
    const underPrefix = <R extends { source_file: string }>(rows: R[]): (R & { path: string })[] =>
      rows.map((x) => ({ ...x, path: x.source_file.slice(to.uriPrefix.length) })).filter((x) => x.path !== "" && accepts(x.path));
    const recorded = await tableLedgerFilesUnder(c, to, to.uriPrefix);
    const unrecorded = await c.runAndReadAll(
      `SELECT DISTINCT ${src} AS source_file FROM ${t}
       WHERE starts_with(${src}, ${prefix}) AND ${src} NOT IN (${inLedger})
       ORDER BY 1`,
    );
    // A timestamp column ignores the zone in its input: the UTC wall time is stored, as the loads do.
    const at = now.toISOString();
    const chosen: Chosen[] = [
      ...underPrefix(recorded).map((x) => ({
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
      // First-version entries of the files known by `_source_file` only: their run and time become the new entry's.
      await takeOverFirstVersionEntries(c, ADOPT);
      const withCounts = `SELECT a.path, a.source_file, a.run_id, a.loaded_at, coalesce(n.rows, 0) AS row_count FROM ${ADOPT} a
        LEFT JOIN (SELECT ${src} AS f, count(*) AS rows FROM ${t} WHERE ${src} IN (SELECT source_file FROM ${ADOPT}) GROUP BY 1) n
        ON n.f = a.source_file`;
      await c.run(`CREATE OR REPLACE TEMP TABLE ${ADOPT}_counted AS ${withCounts}`);
      await rekeyLedger(c, to, `${ADOPT}_counted`);
      const r = await c.runAndReadAll(`SELECT path, row_count, CAST(loaded_at AS VARCHAR) AS loaded_at FROM ${ADOPT}_counted ORDER BY path`);
      adopted = (r.getRowObjectsJson() as { path: string; row_count: string; loaded_at: string }[]).map((x) => ({
        path: x.path,
        rows: Number(x.row_count),
        loadedAt: x.loaded_at,
      }));
      await c.run(`DROP TABLE ${ADOPT}_counted`);
    }
    const tableRows = await countOf(c, `SELECT count(*) AS n FROM ${t}`);
    // Every file the table holds or its ledger names, but the adopted ones.
    const adoptedFiles = chosen.length > 0 ? `SELECT source_file FROM ${ADOPT}` : "SELECT NULL::VARCHAR WHERE false";
    const filesLeft = await countOf(
      c,
      `SELECT count(*) AS n FROM (
         SELECT source_file AS f FROM (${inLedger}) recorded
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
