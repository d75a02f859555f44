// A batch's files as one relation whose names are safe whatever the files hold: every key
// becomes a column under the name columnNamesFor gives it (referenced by position, so a key with
// a NUL or quotes never reaches SQL text), and the loader's own columns (each row's file and
// URI) get names no key in this batch has. Used by loads and previews alike.
import { randomBytes } from "node:crypto";
import { LIST, listValue, VARCHAR, type DuckDBConnection } from "@duckdb/node-api";
import { columnNamesFor, renamesOf, type ColumnRename } from "@/server/domain/column-names";
import type { Column } from "@/server/domain/schema-evolution";
import { readerSql, type FormatSpec } from "./readers";
import { ident } from "./sql";

export interface RowsFile {
  /** Where DuckDB reads the file. */
  localPath: string;
  /** What the file's rows carry as their URI (`_source_file`). */
  uri: string;
}

/** A column as the files have it: its key, DuckDB's type and its position in the reader. */
export interface SourceColumn {
  key: string;
  type: string;
  position: number;
}

export interface BatchRows {
  /** A parenthesised relation: the data columns under `columns`' names, then `fileColumn` and `uriColumn`. */
  sql: string;
  columns: Column[];
  /** Keys that became another column name (see domain/column-names.ts). */
  renames: ColumnRename[];
  /** Columns kept as JSON because a nested key has a NUL character (no type text can name it). */
  asJson: string[];
  /** Holds each row's file as DuckDB read it (its local path). */
  fileColumn: string;
  /** Holds each row's URI. */
  uriColumn: string;
  /** Drops the temporary table of a staged read. */
  close(): Promise<void>;
}

const internalName = () => `__al_${randomBytes(8).toString("hex")}`;

/** DuckDB refuses a `filename` column that a file also has: then another name is drawn. */
const FILENAME_TAKEN = /Option filename adds column/;

/**
 * Describes the files as one reader would read them (union by name). With `stageAs`, the rows
 * are first read once into that temporary table (many small files: describing would open each
 * file again), and the description is the table's.
 */
export async function describeFiles(
  c: DuckDBConnection,
  format: FormatSpec,
  localPaths: string[],
  opts: { stageAs?: string } = {},
): Promise<{ source: string; fileColumn: string; filePosition: number; columns: SourceColumn[] }> {
  for (let attempt = 0; ; attempt++) {
    const fileColumn = internalName();
    const reader = readerSql(format, localPaths, fileColumn);
    try {
      let source = reader;
      if (opts.stageAs) {
        await c.run(`CREATE OR REPLACE TEMP TABLE ${ident(opts.stageAs)} AS SELECT * FROM ${reader}`);
        source = ident(opts.stageAs);
      }
      const r = await c.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
      const described = (r.getRowObjectsJson() as { column_name: string; column_type: string }[]).map((row, i) => ({
        key: row.column_name,
        type: row.column_type,
        position: i + 1,
      }));
      const file = described.find((d) => d.key === fileColumn);
      if (!file) throw new Error(`The reader has no ${fileColumn} column`);
      return { source, fileColumn, filePosition: file.position, columns: described.filter((d) => d !== file) };
    } catch (error) {
      if (attempt < 3 && error instanceof Error && FILENAME_TAKEN.test(error.message)) continue;
      throw error;
    }
  }
}

/** A name that is none of `taken` (case-insensitively), for the loader's own columns. */
function freeName(taken: Set<string>): string {
  for (;;) {
    const n = internalName();
    if (!taken.has(n.toLowerCase())) return n;
  }
}

export async function openRows(
  c: DuckDBConnection,
  format: FormatSpec,
  files: RowsFile[],
  opts: { stage?: boolean } = {},
): Promise<BatchRows> {
  const stageAs = opts.stage ? `__al_stage_${randomBytes(6).toString("hex")}` : undefined;
  let uriMap: string | undefined;
  const close = async () => {
    if (stageAs) await c.run(`DROP TABLE IF EXISTS ${ident(stageAs)}`).catch(() => undefined);
    if (uriMap) await c.run(`DROP TABLE IF EXISTS ${ident(uriMap)}`).catch(() => undefined);
  };
  try {
    const d = await describeFiles(c, format, files.map((f) => f.localPath), stageAs ? { stageAs } : {});
    const names = columnNamesFor(d.columns.map((col) => col.key));
    const columns: Column[] = [];
    const asJson: string[] = [];
    const select = d.columns.map((col, i) => {
      const name = (names[i] as { name: string }).name;
      // A nested key with a NUL cannot be spelled in a type: the value is kept as JSON.
      if (col.type.includes("\0")) {
        asJson.push(name);
        columns.push({ name, type: "JSON" });
        return `to_json(#${col.position}) AS ${ident(name)}`;
      }
      columns.push({ name, type: col.type });
      return `#${col.position} AS ${ident(name)}`;
    });
    select.push(`#${d.filePosition} AS ${ident(d.fileColumn)}`);
    const taken = new Set([...columns.map((col) => col.name.toLowerCase()), d.fileColumn.toLowerCase()]);
    const uriColumn = freeName(taken);
    const inner = `(SELECT ${select.join(", ")} FROM ${d.source})`;
    let sql: string;
    if (files.every((f) => f.localPath === f.uri)) {
      sql = `(SELECT *, ${ident(d.fileColumn)} AS ${ident(uriColumn)} FROM ${inner})`;
    } else {
      // Local files read through their descriptors (/proc/self/fd/N) and staged copies (S3) carry
      // their URI through a join on the local path, with a temporary table of the pairs made from
      // two list parameters: thousands of VALUES rows cost more to parse than the join.
      taken.add(uriColumn.toLowerCase());
      const localColumn = freeName(taken);
      uriMap = `__al_uris_${randomBytes(6).toString("hex")}`;
      await c.run(
        `CREATE TEMP TABLE ${ident(uriMap)} AS SELECT unnest($1::VARCHAR[]) AS ${ident(localColumn)}, unnest($2::VARCHAR[]) AS ${ident(uriColumn)}`,
        [listValue(files.map((f) => f.localPath)), listValue(files.map((f) => f.uri))],
        [LIST(VARCHAR), LIST(VARCHAR)],
      );
      sql =
        `(SELECT __al_r.*, __al_m.${ident(uriColumn)} FROM ${inner} AS __al_r ` +
        `JOIN ${ident(uriMap)} AS __al_m ON __al_r.${ident(d.fileColumn)} = __al_m.${ident(localColumn)})`;
    }
    return { sql, columns, renames: renamesOf(names), asJson, fileColumn: d.fileColumn, uriColumn, close };
  } catch (error) {
    await close();
    throw error;
  }
}
