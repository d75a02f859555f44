// Loads a batch of files into a destination table in one DuckDB statement, exactly once:
// the table write and the ledger rows of the batch's files commit in one transaction. A batch
// that fails is split in halves until the bad files are isolated; the others still load.
import type { DuckDBConnection } from "@duckdb/node-api";
import {
  failReason,
  planEvolution,
  RESCUED_DATA_COLUMN,
  SOURCE_FILE_COLUMN,
  type Column,
  type EvolutionModeValue,
  type EvolutionPlan,
} from "@/server/domain/schema-evolution";
import { FILE_COLUMN, readerSql, type FormatSpec } from "./readers";
import { engineMessage, ident, literal, qualified } from "./sql";
import { ledgerRowsOf, recordLoaded } from "./ledger";
import { inTransaction } from "./warehouse";

export interface BatchFile {
  id: string;
  /** Path relative to the source, as recorded in the file history. */
  path: string;
  /** Where DuckDB reads it (the local file, or the staged copy of an S3 object); unique per batch. */
  localPath: string;
}

export interface LoadTarget {
  ingestionId: string;
  runId: string;
  schema: string;
  table: string;
  format: FormatSpec;
  mode: EvolutionModeValue;
  hints: Record<string, string>;
  /** What `_source_file` holds for a file: uriPrefix + its relative path. */
  uriPrefix: string;
}

export interface BatchOutcome {
  loaded: { id: string; path: string; rows: number }[];
  failed: { id: string; path: string; error: string }[];
  /** Table schema after the batch, when the table exists. */
  tableColumns: Column[] | null;
}

export interface LoadHooks {
  /** Test seam: runs after the warehouse commit, before the caller records it (crash injection). */
  afterWarehouseCommit?: (files: BatchFile[]) => Promise<void> | void;
}

export async function tableColumns(c: DuckDBConnection, schema: string, table: string): Promise<Column[] | null> {
  const r = await c.runAndReadAll(
    `SELECT column_name, data_type FROM information_schema.columns
     WHERE table_catalog = current_database() AND table_schema = ${literal(schema)} AND table_name = ${literal(table)}
     ORDER BY ordinal_position`,
  );
  const rows = r.getRowObjectsJson() as { column_name: string; data_type: string }[];
  return rows.length === 0 ? null : rows.map((row) => ({ name: row.column_name, type: row.data_type }));
}

async function describeRows(c: DuckDBConnection, rows: string): Promise<Column[]> {
  const r = await c.runAndReadAll(`DESCRIBE SELECT * EXCLUDE (${ident(FILE_COLUMN)}) FROM ${rows}`);
  return (r.getRowObjectsJson() as { column_name: string; column_type: string }[]).map((row) => ({
    name: row.column_name,
    type: row.column_type,
  }));
}

const MAP_LOCAL = "__al_local";
const STAGE_TABLE = "__al_stage";
/** From this many files a batch is read once into a temporary table (see load). */
const STAGE_FROM_FILES = 100;
const MAP_URI = "__al_uri";

/**
 * The batch's reader, with every row's source URI in column MAP_URI. When DuckDB reads the files
 * where they are (local sources) the file name is the URI; staged files (S3) are joined to a
 * (local path, URI) list. The join costs ~15% on large files, so it is used only when needed.
 */
function readerWithUris(t: LoadTarget, files: BatchFile[], rows: string): string {
  const reader = rows;
  if (files.every((f) => f.localPath === t.uriPrefix + f.path)) {
    return `(SELECT *, ${ident(FILE_COLUMN)} AS ${MAP_URI} FROM ${reader})`;
  }
  const values = files.map((f) => `(${literal(f.localPath)}, ${literal(t.uriPrefix + f.path)})`).join(", ");
  return `${reader} AS __al_r
    JOIN (VALUES ${values}) AS __al_map(${MAP_LOCAL}, ${MAP_URI}) ON __al_r.${ident(FILE_COLUMN)} = __al_map.${MAP_LOCAL}`;
}

const INTEGER_TYPES = new Set(["TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"]);

/** A value that would change when cast to an integer type: DuckDB rounds 1.5 to 2 without a word. */
export function roundsAway(src: string, to: string): string {
  if (!INTEGER_TYPES.has(to.toUpperCase())) return "false";
  const asDouble = `TRY_CAST(${src} AS DOUBLE)`;
  return `(${asDouble} IS NOT NULL AND ${asDouble} <> TRY_CAST(${asDouble} AS ${to}))`;
}

function castSql(src: string, to: string, strict: boolean): string {
  const lossy = roundsAway(src, to);
  if (strict) {
    if (lossy === "false") return `CAST(${src} AS ${to})`;
    return `CASE WHEN ${lossy} THEN error('Could not convert ' || CAST(${src} AS VARCHAR) || ' to ${to} without losing its fraction') ELSE CAST(${src} AS ${to}) END`;
  }
  return lossy === "false" ? `TRY_CAST(${src} AS ${to})` : `CASE WHEN ${lossy} THEN NULL ELSE TRY_CAST(${src} AS ${to}) END`;
}

/** A non-null value that does not convert to `to` (or would lose its fraction). */
export function doesNotConvert(src: string, to: string): string {
  return `(${src} IS NOT NULL AND (TRY_CAST(${src} AS ${to}) IS NULL OR ${roundsAway(src, to)}))`;
}

function projectionSql(plan: EvolutionPlan): string {
  const cols = plan.projection.map((p) => {
    const src = ident(p.source);
    const expr = p.expr.kind === "identity" ? src : castSql(src, p.expr.to, p.expr.strict);
    return `${expr} AS ${ident(p.target)}`;
  });
  cols.push(`${MAP_URI} AS ${ident(SOURCE_FILE_COLUMN)}`);
  const { whole, mistyped } = plan.rescue;
  if (whole.length > 0 || mistyped.length > 0) {
    const conditions = [
      ...whole.map((n) => `${ident(n)} IS NOT NULL`),
      ...mistyped.map((m) => doesNotConvert(ident(m.name), m.type)),
    ];
    const pairs = [
      ...whole.map((n) => `${literal(n)}, ${ident(n)}`),
      ...mistyped.map((m) => `${literal(m.name)}, CASE WHEN ${doesNotConvert(ident(m.name), m.type)} THEN ${ident(m.name)} END`),
      `'_file_path', ${MAP_URI}`,
    ];
    // json_merge_patch drops the keys whose value is NULL.
    cols.push(
      `CASE WHEN ${conditions.join(" OR ")} THEN json_merge_patch('{}', json_object(${pairs.join(", ")})) END AS ${ident(RESCUED_DATA_COLUMN)}`,
    );
  }
  return cols.join(",\n  ");
}

async function alreadyLoaded(c: DuckDBConnection, t: LoadTarget, files: BatchFile[]) {
  const rows = await ledgerRowsOf(c, { ingestionId: t.ingestionId, schema: t.schema, table: t.table }, files.map((f) => f.path));
  return new Map([...rows].map(([p, l]) => [p, l.rows]));
}

/** Files of the batch that carry a refused change: a value in a new column, or one that does not convert. */
async function filesCarrying(c: DuckDBConnection, files: BatchFile[], plan: EvolutionPlan, rows: string) {
  const conditions = [
    ...plan.failOn.newColumns.map((n) => `${ident(n)} IS NOT NULL`),
    ...plan.failOn.mistyped.map((m) => doesNotConvert(ident(m.name), m.from)),
  ];
  const r = await c.runAndReadAll(
    `SELECT DISTINCT ${ident(FILE_COLUMN)} AS f FROM ${rows}
     WHERE ${conditions.join(" OR ")}`,
  );
  const carriers = new Set((r.getRowObjectsJson() as { f: string }[]).map((row) => row.f));
  return files.filter((f) => carriers.has(f.localPath));
}

/** The database's own name: a schema may share it (tenant "raw", schema "raw"), so names are fully qualified. */
export async function catalogOf(c: DuckDBConnection): Promise<string> {
  const r = await c.runAndReadAll("SELECT current_database() AS db");
  return String((r.getRowObjectsJson()[0] as { db: string }).db);
}

async function commitBatch(c: DuckDBConnection, t: LoadTarget, files: BatchFile[], plan: EvolutionPlan, rows: string) {
  const catalog = await catalogOf(c);
  const target = `${ident(catalog)}.${qualified(t.schema, t.table)}`;
  return inTransaction(c, async () => {
    await c.run(`CREATE SCHEMA IF NOT EXISTS ${ident(catalog)}.${ident(t.schema)}`);
    if (plan.create) {
      await c.run(`CREATE TABLE ${target} (${plan.create.map((col) => `${ident(col.name)} ${col.type}`).join(", ")})`);
    }
    for (const col of plan.addColumns) await c.run(`ALTER TABLE ${target} ADD COLUMN ${ident(col.name)} ${col.type}`);
    for (const w of plan.widen) await c.run(`ALTER TABLE ${target} ALTER ${ident(w.name)} TYPE ${w.to}`);
    const before = await c.runAndReadAll(`SELECT coalesce(max(rowid), -1) AS m FROM ${target}`);
    const lastRow = String((before.getRowObjectsJson()[0] as { m: string | number }).m);
    await c.run(`INSERT INTO ${target} BY NAME SELECT\n  ${projectionSql(plan)}\nFROM ${readerWithUris(t, files, rows)}`);
    // Per-file counts from the rows just appended (rowids grow; one writer per table).
    const counts = await c.runAndReadAll(
      `SELECT ${ident(SOURCE_FILE_COLUMN)} AS f, count(*) AS n FROM ${target} WHERE rowid > ${lastRow} GROUP BY 1`,
    );
    const rowsByUri = new Map(
      (counts.getRowObjectsJson() as { f: string; n: string }[]).map((row) => [row.f, Number(row.n)]),
    );
    const loaded = files.map((f) => ({ id: f.id, path: f.path, rows: rowsByUri.get(t.uriPrefix + f.path) ?? 0 }));
    await recordLoaded(
      c,
      { ingestionId: t.ingestionId, schema: t.schema, table: t.table },
      loaded.map((l) => ({ path: l.path, sourceFile: t.uriPrefix + l.path, runId: t.runId, rows: l.rows })),
      new Date(),
    );
    return loaded;
  });
}

export async function loadBatch(
  c: DuckDBConnection,
  t: LoadTarget,
  batch: BatchFile[],
  hooks: LoadHooks = {},
): Promise<BatchOutcome> {
  const out: BatchOutcome = { loaded: [], failed: [], tableColumns: null };
  // Files the ledger already holds were loaded by an earlier, interrupted run: count, never reload.
  const ledger = await alreadyLoaded(c, t, batch);
  for (const f of batch) {
    const rows = ledger.get(f.path);
    if (rows !== undefined) out.loaded.push({ id: f.id, path: f.path, rows });
  }
  const toLoad = batch.filter((f) => !ledger.has(f.path));
  // Engine messages name the file DuckDB read; users know it by its source URI.
  const message = (error: unknown, file: BatchFile) => engineMessage(error).replaceAll(file.localPath, t.uriPrefix + file.path);

  const load = async (files: BatchFile[]): Promise<void> => {
    if (files.length === 0) return;
    let plan: EvolutionPlan;
    // Many small files: DESCRIBE would open every file once more before the insert does (union
    // by name reads each file's schema), doubling the work. They are read once into a temporary
    // table instead; batches stay bounded in bytes, so the copy is too.
    const staged = files.length >= STAGE_FROM_FILES;
    const rows = staged ? STAGE_TABLE : readerSql(t.format, files.map((f) => f.localPath));
    // Dropped before anything recurses: nested loads stage under the same name.
    const dropStage = async () => {
      if (staged) await c.run(`DROP TABLE IF EXISTS ${STAGE_TABLE}`).catch(() => undefined);
    };
    try {
      if (staged) {
        await c.run(`CREATE OR REPLACE TEMP TABLE ${STAGE_TABLE} AS SELECT * FROM ${readerSql(t.format, files.map((f) => f.localPath))}`);
      }
      const batchColumns = await describeRows(c, rows);
      plan = planEvolution({ table: await tableColumns(c, t.schema, t.table), batch: batchColumns, mode: t.mode, hints: t.hints });
    } catch (error) {
      await dropStage();
      return split(files, error);
    }
    if (plan.failOn.newColumns.length > 0 || plan.failOn.mistyped.length > 0) {
      const carriers = await filesCarrying(c, files, plan, rows).catch(() => files);
      if (carriers.length > 0) {
        for (const f of carriers) out.failed.push({ id: f.id, path: f.path, error: failReason(plan) });
        await dropStage();
        return load(files.filter((f) => !carriers.includes(f)));
      }
      // Only NULLs in the refused columns: nothing to refuse, nothing to write for them.
      plan.failOn = { newColumns: [], mistyped: [] };
    }
    let loaded: BatchOutcome["loaded"];
    try {
      loaded = await commitBatch(c, t, files, plan, rows);
    } catch (error) {
      await dropStage();
      return split(files, error);
    }
    await dropStage();
    out.loaded.push(...loaded);
    await hooks.afterWarehouseCommit?.(files);
  };

  const split = async (files: BatchFile[], error: unknown): Promise<void> => {
    const only = files[0];
    if (files.length === 1 && only) {
      out.failed.push({ id: only.id, path: only.path, error: message(error, only) });
      return;
    }
    const mid = Math.ceil(files.length / 2);
    await load(files.slice(0, mid));
    await load(files.slice(mid));
  };

  await load(toLoad);
  out.tableColumns = await tableColumns(c, t.schema, t.table);
  return out;
}
