// Loads a batch of files into a destination table in one DuckDB statement, exactly once: the
// table write and the ledger rows of the batch's files commit in one transaction. When a batch
// fails, trial loads that are rolled back find the files that fail on their own; the others then
// load together, exactly as they would have without the bad files.
import type { DuckDBConnection } from "@duckdb/node-api";
import { renameMessage } from "@/server/domain/column-names";
import { plural } from "@/shared/format";
import { failureKindOf } from "@/server/domain/file-retry";
import {
  failReason,
  holdsAnything,
  planEvolution,
  RESCUED_DATA_COLUMN,
  SOURCE_FILE_COLUMN,
  type EvolutionPlan,
} from "@/server/domain/schema-evolution";
import { openRows, type BatchRows } from "@/server/engine/batch-rows";
import type { BatchFile, BatchOutcome, LoadHooks, LoadTarget, LoadWarning } from "../destination";
import { ledgerRowsOf, recordBatchLoaded } from "../ledger";
import { catalogOf, tableColumns } from "./catalog";
import { doesNotConvert, roundsAway } from "@/server/engine/casts";
import { engineMessage, ident, literal, qualified } from "@/server/engine/sql";

/** From this many files a batch is read once into a temporary table (see openRows). */
const STAGE_FROM_FILES = 100;

/**
 * `src` (of type `from`) as type `to`. Into a JSON column every value goes as itself (a string as a
 * JSON string, a struct as an object); out of JSON into text, a JSON string loses its quotes.
 * `parse`: a hint asked for JSON, so text is parsed as JSON rather than kept as a string.
 */
function castSql(src: string, to: string, from: string, strict: boolean, parse: boolean): string {
  if (holdsAnything(to) && !parse) return holdsAnything(from) ? src : `to_json(${src})`;
  if (holdsAnything(from) && to.toUpperCase() === "VARCHAR") {
    return `CASE WHEN json_type(${src}) = 'VARCHAR' THEN ${src} ->> '$' ELSE CAST(${src} AS VARCHAR) END`;
  }
  const lossy = roundsAway(src, to);
  if (strict) {
    if (lossy === "false") return `CAST(${src} AS ${to})`;
    return `CASE WHEN ${lossy} THEN error('Could not convert ' || CAST(${src} AS VARCHAR) || ' to ${to} without losing its fraction') ELSE CAST(${src} AS ${to}) END`;
  }
  return lossy === "false" ? `TRY_CAST(${src} AS ${to})` : `CASE WHEN ${lossy} THEN NULL ELSE TRY_CAST(${src} AS ${to}) END`;
}

const key = (name: string) => name.toLowerCase();

/** The key of `_rescued_data` that names the file the rescued values came from. */
const RESCUED_FILE_KEY = "_file_path";

function projectionSql(t: LoadTarget, plan: EvolutionPlan, rows: BatchRows): string {
  const typeOf = new Map(rows.columns.map((col) => [col.name, col.type]));
  const hinted = new Set(Object.keys(t.hints).map(key));
  const cols = plan.projection.map((p) => {
    const src = ident(p.source);
    const expr =
      p.expr.kind === "identity"
        ? src
        : castSql(src, p.expr.to, typeOf.get(p.source) ?? p.expr.to, p.expr.strict, hinted.has(key(p.source)));
    return `${expr} AS ${ident(p.target)}`;
  });
  const uri = ident(rows.uriColumn);
  cols.push(`${uri} AS ${ident(SOURCE_FILE_COLUMN)}`);
  const { whole, mistyped } = plan.rescue;
  if (whole.length > 0 || mistyped.length > 0) {
    const conditions = [
      ...whole.map((n) => `${ident(n)} IS NOT NULL`),
      ...mistyped.map((m) => doesNotConvert(ident(m.name), m.type)),
    ];
    // The loader's `_file_path` key is the file's URI; a data column of that name goes in as `_file_path_1`.
    const rescued = new Set([...whole, ...mistyped.map((m) => m.name)]);
    const keyOf = (n: string) => {
      if (n !== RESCUED_FILE_KEY) return n;
      let i = 1;
      while (rescued.has(`${n}_${i}`)) i += 1;
      return `${n}_${i}`;
    };
    const pairs = [
      ...whole.map((n) => `${literal(keyOf(n))}, ${ident(n)}`),
      ...mistyped.map((m) => `${literal(keyOf(m.name))}, CASE WHEN ${doesNotConvert(ident(m.name), m.type)} THEN ${ident(m.name)} END`),
      `${literal(RESCUED_FILE_KEY)}, ${uri}`,
    ];
    // json_merge_patch drops the keys whose value is NULL.
    cols.push(
      `CASE WHEN ${conditions.join(" OR ")} THEN json_merge_patch('{}', json_object(${pairs.join(", ")})) END AS ${ident(RESCUED_DATA_COLUMN)}`,
    );
  }
  return cols.join(",\n  ");
}

/** Files of the batch that carry a refused change: a value in a new column, or one that does not convert. */
async function filesCarrying(c: DuckDBConnection, files: BatchFile[], plan: EvolutionPlan, rows: BatchRows) {
  const conditions = [
    ...plan.failOn.newColumns.map((n) => `${ident(n)} IS NOT NULL`),
    ...plan.failOn.mistyped.map((m) => doesNotConvert(ident(m.name), m.from)),
  ];
  const r = await c.runAndReadAll(
    `SELECT DISTINCT ${ident(rows.fileColumn)} AS f FROM ${rows.sql} AS __al_rows
     WHERE ${conditions.join(" OR ")}`,
  );
  const carriers = new Set((r.getRowObjectsJson() as { f: string }[]).map((row) => row.f));
  return files.filter((f) => carriers.has(f.localPath));
}

const JSON_KINDS = `CASE json_type(__al_v) WHEN 'BIGINT' THEN 'number' WHEN 'UBIGINT' THEN 'number' WHEN 'DOUBLE' THEN 'number'
  WHEN 'VARCHAR' THEN 'string' WHEN 'BOOLEAN' THEN 'boolean' WHEN 'OBJECT' THEN 'object' WHEN 'ARRAY' THEN 'array' ELSE 'other' END`;

/** Rows of a new column looked at for drift: enough to find the odd value, bounded on huge first batches. */
const DRIFT_ROWS = 1_000_000;

const rowsWord = (n: number) => plural(n, "row");

/**
 * Type decisions worth a look, about the columns this batch created: a column that became JSON
 * because its values have different types, and (CSV) a column that became text for a few values
 * among numbers. Read from the rows just written, inside the load's transaction.
 */
async function driftWarnings(
  c: DuckDBConnection,
  t: LoadTarget,
  target: string,
  plan: EvolutionPlan,
  rows: BatchRows,
  newRows: string,
): Promise<LoadWarning[]> {
  const created = plan.create ?? plan.addColumns;
  const createdNames = new Set(created.map((col) => key(col.name)));
  const hinted = new Set(Object.keys(t.hints).map(key));
  const warnings: LoadWarning[] = [];
  for (const r of rows.renames) {
    if (createdNames.has(key(r.to))) warnings.push({ code: "COLUMN_RENAMED", message: renameMessage(r), column: r.to, file: null, example: null });
  }
  for (const name of rows.asJson) {
    if (!createdNames.has(key(name))) continue;
    warnings.push({
      code: "NESTED_KEY_AS_JSON",
      message: `Column '${name}' holds a nested key with a NUL character, which no type can name: its values are kept as JSON`,
      column: name,
      file: null,
      example: null,
    });
  }
  const dataColumns = (plan.create ?? []).filter((col) => key(col.name) !== SOURCE_FILE_COLUMN && key(col.name) !== RESCUED_DATA_COLUMN);
  const only = dataColumns[0];
  if (t.format.type === "CSV" && t.format.options.delimiter != null && dataColumns.length === 1 && only) {
    // One column named like "id;name;city": the files are delimited by something else.
    const set = t.format.options.delimiter;
    const other = [";", "\t", "|", ","].filter((d) => d !== set).find((d) => only.name.split(d).length > 1);
    if (other) {
      warnings.push({
        code: "CSV_DELIMITER_MISMATCH",
        message:
          `The table has one column, ${JSON.stringify(only.name)}, read with the delimiter ${JSON.stringify(set)}; the files look delimited by ` +
          `${JSON.stringify(other)} (${only.name.split(other).length} columns). An ingestion's format cannot change: create one with the ` +
          `delimiter left empty (detected per file) or set to ${JSON.stringify(other)}`,
        column: only.name,
        file: null,
        example: null,
      });
    }
  }
  const batchType = new Map(rows.columns.map((col) => [key(col.name), col.type.toUpperCase()]));
  const sourceFile = ident(SOURCE_FILE_COLUMN);
  for (const col of created) {
    const k = key(col.name);
    if (hinted.has(k) || rows.asJson.some((n) => key(n) === k)) continue;
    const v = ident(col.name);
    if (col.type.toUpperCase() === "JSON" && batchType.get(k) === "JSON") {
      const r = await c.runAndReadAll(
        `SELECT ${JSON_KINDS} AS kind, count(*) AS n, min({'f': ${sourceFile}, 'v': CAST(__al_v AS VARCHAR)}) AS e
         FROM (SELECT ${v} AS __al_v, ${sourceFile} FROM ${target} WHERE ${newRows} LIMIT ${DRIFT_ROWS}) WHERE __al_v IS NOT NULL AND json_type(__al_v) <> 'NULL'
         GROUP BY 1 ORDER BY n DESC, kind`,
      );
      const kinds = r.getRowObjectsJson() as { kind: string; n: string | number; e: { f: string; v: string } }[];
      const odd = kinds[kinds.length - 1];
      if (kinds.length < 2 || !odd) continue;
      warnings.push({
        code: "TYPE_DRIFT",
        message:
          `Column '${col.name}' became JSON because its values have different types: ` +
          `${kinds.map((x) => `${x.kind} in ${rowsWord(Number(x.n))}`).join(", ")} (e.g. ${odd.e.v} in ${odd.e.f})`,
        column: col.name,
        file: odd.e.f,
        example: odd.e.v,
      });
    } else if (t.format.type === "CSV" && col.type.toUpperCase() === "VARCHAR") {
      // Counted first; the example is looked for only when the column warns (mostly numbers):
      // a column of text (the usual VARCHAR) costs one cast per value, not three and a min.
      const r = await c.runAndReadAll(
        `SELECT count(*) FILTER (WHERE __al_num) AS num, count(*) FILTER (WHERE NOT __al_num) AS other
         FROM (SELECT TRY_CAST(${v} AS DOUBLE) IS NOT NULL AS __al_num FROM ${target} WHERE ${newRows} AND ${v} IS NOT NULL LIMIT ${DRIFT_ROWS})`,
      );
      const x = r.getRowObjectsJson()[0] as { num: string | number; other: string | number };
      const num = Number(x.num);
      const other = Number(x.other);
      // Mostly numbers: a few values of text made the whole column text.
      if (other === 0 || num === 0 || num < 9 * other) continue;
      const example = await c.runAndReadAll(
        `SELECT min({'f': ${sourceFile}, 'v': ${v}}) AS e FROM ${target}
         WHERE ${newRows} AND ${v} IS NOT NULL AND TRY_CAST(${v} AS DOUBLE) IS NULL`,
      );
      const e = (example.getRowObjectsJson()[0] as { e: { f: string; v: string } | null }).e;
      if (!e) continue;
      warnings.push({
        code: "TYPE_DRIFT",
        message:
          `Column '${col.name}' became VARCHAR: ${num.toLocaleString("en-US")} of ${(num + other).toLocaleString("en-US")} values are numbers, ` +
          `the other ${rowsWord(other)} text (e.g. ${JSON.stringify(e.v)} in ${e.f})`,
        column: col.name,
        file: e.f,
        example: e.v,
      });
    }
  }
  return warnings;
}

/**
 * Writes the rows and their ledger entries in one transaction, committed, or rolled back when
 * `commit` is false (a trial: does this set of files load?).
 */
async function writeRows(
  c: DuckDBConnection,
  t: LoadTarget,
  files: BatchFile[],
  plan: EvolutionPlan,
  rows: BatchRows,
  commit: boolean,
): Promise<{ loaded: BatchOutcome["loaded"]; warnings: LoadWarning[] }> {
  const catalog = await catalogOf(c);
  const target = `${ident(catalog)}.${qualified(t.schema, t.table)}`;
  await c.run("BEGIN TRANSACTION");
  try {
    await c.run(`CREATE SCHEMA IF NOT EXISTS ${ident(catalog)}.${ident(t.schema)}`);
    if (plan.create) {
      await c.run(`CREATE TABLE ${target} (${plan.create.map((col) => `${ident(col.name)} ${col.type}`).join(", ")})`);
    }
    for (const col of plan.addColumns) await c.run(`ALTER TABLE ${target} ADD COLUMN ${ident(col.name)} ${col.type}`);
    for (const w of plan.widen) await c.run(`ALTER TABLE ${target} ALTER ${ident(w.name)} TYPE ${w.to}`);
    // The rows just appended: rowids grow (one writer per table). A data column named rowid
    // hides DuckDB's, and then the batch's URIs tell them (none of them has rows yet).
    let newRows: string;
    if (plan.tableAfter.some((col) => key(col.name) === "rowid")) {
      newRows = `${ident(SOURCE_FILE_COLUMN)} IN (${files.map((f) => literal(t.uriPrefix + f.path)).join(", ")})`;
    } else {
      const before = await c.runAndReadAll(`SELECT coalesce(max(rowid), -1) AS m FROM ${target}`);
      newRows = `rowid > ${String((before.getRowObjectsJson()[0] as { m: string | number }).m)}`;
    }
    await c.run(`INSERT INTO ${target} BY NAME SELECT\n  ${projectionSql(t, plan, rows)}\nFROM ${rows.sql} AS __al_rows`);
    const warnings = commit ? await driftWarnings(c, t, target, plan, rows, newRows) : [];
    // The ledger entries and each file's row count, in one statement over the rows just appended.
    const rowsByPath = await recordBatchLoaded(
      c,
      { ingestionId: t.ingestionId, schema: t.schema, table: t.table },
      t.runId,
      files.map((f) => ({ path: f.path, sourceFile: t.uriPrefix + f.path })),
      `SELECT ${ident(SOURCE_FILE_COLUMN)} AS source_file, count(*) AS n FROM ${target} WHERE ${newRows} GROUP BY 1`,
      new Date(),
    );
    const loaded = files.map((f) => ({ id: f.id, path: f.path, rows: rowsByPath.get(f.path) ?? 0 }));
    await c.run(commit ? "COMMIT" : "ROLLBACK");
    return { loaded, warnings };
  } catch (error) {
    await c.run("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

interface Attempt {
  loaded: BatchOutcome["loaded"];
  /** Files refused by the evolution mode (FAIL_ON_NEW_COLUMNS), with the reason. */
  refused: { file: BatchFile; error: string }[];
  warnings: LoadWarning[];
  /** The files whose rows were written. */
  written: BatchFile[];
}

/** Reads, plans and writes `files` as one set; throws when the set does not load. */
async function attempt(c: DuckDBConnection, t: LoadTarget, files: BatchFile[], commit: boolean): Promise<Attempt> {
  const rows = await openRows(
    c,
    t.format,
    files.map((f) => ({ localPath: f.localPath, uri: t.uriPrefix + f.path })),
    // Many small files: describing would open every file once more before the insert does
    // (union by name reads each file's schema). They are read once into a temporary table
    // instead; batches stay bounded in bytes, so the copy is too.
    { stage: files.length >= STAGE_FROM_FILES },
  );
  let refused: BatchFile[] = [];
  let plan: EvolutionPlan;
  try {
    plan = planEvolution({ table: await tableColumns(c, t.schema, t.table), batch: rows.columns, mode: t.mode, hints: t.hints });
    if (plan.failOn.newColumns.length > 0 || plan.failOn.mistyped.length > 0) {
      refused = await filesCarrying(c, files, plan, rows).catch(() => files);
      // Only NULLs in the refused columns: nothing to refuse, nothing to write for them.
      if (refused.length === 0) plan.failOn = { newColumns: [], mistyped: [] };
    }
    if (refused.length === 0) {
      const written = await writeRows(c, t, files, plan, rows, commit);
      return { ...written, refused: [], written: files };
    }
  } finally {
    await rows.close();
  }
  const reason = failReason(plan);
  const rest = files.filter((f) => !refused.includes(f));
  const after: Attempt = rest.length > 0 ? await attempt(c, t, rest, commit) : { loaded: [], refused: [], warnings: [], written: [] };
  return { ...after, refused: [...refused.map((file) => ({ file, error: reason })), ...after.refused] };
}

export async function loadBatch(
  c: DuckDBConnection,
  t: LoadTarget,
  batch: BatchFile[],
  hooks: LoadHooks = {},
): Promise<BatchOutcome> {
  const out: BatchOutcome = { loaded: [], failed: [], tableColumns: null, warnings: [] };
  // Files the ledger already holds were loaded by an earlier, interrupted run: count, never reload.
  const ledger = await ledgerRowsOf(c, { ingestionId: t.ingestionId, schema: t.schema, table: t.table }, batch.map((f) => f.path));
  for (const f of batch) {
    const l = ledger.get(f.path);
    if (l !== undefined) out.loaded.push({ id: f.id, path: f.path, rows: l.rows });
  }
  const fail = (file: BatchFile, error: unknown) => {
    const uri = t.uriPrefix + file.path;
    // Engine messages name the file DuckDB read; users know it by its source URI, and every
    // per-file message names it.
    const engine = engineMessage(error);
    // Not followed by a digit: "/proc/self/fd/12" must not match inside "/proc/self/fd/123".
    const named = new RegExp(`${file.localPath.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?!\\d)`, "g");
    let m = engine.replace(named, uri);
    if (!m.includes(uri)) m = `${uri}: ${m}`;
    // Classified before the file's name goes in: a path must never decide the kind.
    out.failed.push({ id: file.id, path: file.path, error: m, kind: failureKindOf(engine.replace(named, "")) });
  };

  /** The files that fail on their own, found by halving with trial loads (nothing is written). */
  const isolate = async (files: BatchFile[], error: unknown): Promise<{ file: BatchFile; error: unknown }[]> => {
    const only = files[0];
    if (files.length === 1 && only) return [{ file: only, error }];
    const mid = Math.ceil(files.length / 2);
    const bad: { file: BatchFile; error: unknown }[] = [];
    for (const half of [files.slice(0, mid), files.slice(mid)]) {
      try {
        await attempt(c, t, half, false);
      } catch (e) {
        bad.push(...(await isolate(half, e)));
      }
    }
    return bad;
  };

  const load = async (files: BatchFile[]): Promise<void> => {
    let rest = files;
    while (rest.length > 0) {
      let done: Attempt;
      try {
        done = await attempt(c, t, rest, true);
      } catch (error) {
        const bad = await isolate(rest, error);
        if (bad.length === 0) {
          // Every part loads alone but not all together: load the halves one after the other.
          const mid = Math.ceil(rest.length / 2);
          await load(rest.slice(0, mid));
          await load(rest.slice(mid));
          return;
        }
        for (const b of bad) fail(b.file, b.error);
        rest = rest.filter((f) => !bad.some((b) => b.file === f));
        continue;
      }
      for (const r of done.refused) {
        out.failed.push({ id: r.file.id, path: r.file.path, error: `${t.uriPrefix + r.file.path}: ${r.error}`, kind: "DATA" });
      }
      out.loaded.push(...done.loaded);
      out.warnings.push(...done.warnings);
      if (done.written.length > 0) await hooks.afterWarehouseCommit?.(done.written);
      return;
    }
  };

  await load(batch.filter((f) => !ledger.has(f.path)));
  out.tableColumns = await tableColumns(c, t.schema, t.table);
  return out;
}
