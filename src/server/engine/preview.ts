// Reads a small sample of files the way a run would and reports what it finds: the schema a load
// would infer (with hints applied), the first rows, and where the files disagree. Uses a
// throwaway in-memory DuckDB, never a tenant's warehouse.
import { DuckDBInstance, type DuckDBConnection, type Json } from "@duckdb/node-api";
import { columnNamesFor, renameMessage } from "@/server/domain/column-names";
import { isWidening, SYSTEM_COLUMNS, type Column } from "@/server/domain/schema-evolution";
import { describeFiles, openRows, type BatchRows } from "./batch-rows";
import { sniffCsv, type CsvDialect, type FormatSpec } from "./readers";
import { defaultEngineResources, type EngineResources } from "./resources";
import { doesNotConvert, roundsAway } from "./casts";
import { engineMessage, ident } from "./sql";
import type { EngineWarningCode } from "@/shared/contracts/ingestions-preview";

export interface PreviewFile {
  /** How messages name the file (its path relative to the source). */
  path: string;
  /** Where DuckDB reads it. */
  localPath: string;
  size: number;
}

export type ColumnOrigin = "inferred" | "hint" | "hint-only";

export interface PreviewColumn {
  name: string;
  /** The type a load would give the column: the hint's, or else the inferred one. */
  type: string;
  /** What DuckDB inferred over the sampled files; null for a hinted column no file has. */
  inferredType: string | null;
  /** inferred: from the data; hint: in the data, typed by a hint; hint-only: hinted, in no sampled file. */
  origin: ColumnOrigin;
  /** How many readable sampled files have the column. */
  presentIn: number;
}


export interface PreviewWarning {
  code: EngineWarningCode;
  message: string;
  /** The file the warning is about, when it is about one. */
  path: string | null;
  /** The column the warning is about, when it is about one. */
  column: string | null;
}

export interface FilesPreview {
  columns: PreviewColumn[];
  /** Sample rows, values in `columns` order. */
  rows: { file: string; values: Json[] }[];
  /** DuckDB's message for each file (by path) that cannot be read. */
  errors: Map<string, string>;
  warnings: PreviewWarning[];
  /** CSV: the dialect each readable sampled file is read with (set in the options, or detected). */
  dialects: { path: string; dialect: CsvDialect }[];
}

/** Hinted columns are checked for values that do not convert in this many leading rows. */
export const HINT_CHECK_ROWS = 10_000;
/** Files described at once (one connection each). */
const DESCRIBE_CONCURRENCY = 4;
/** Files named in one warning before "and N more". */
const NAMED_FILES = 3;

const key = (name: string) => name.toLowerCase();


/** The hint cast as the sample shows it: values a load refuses show as NULL. */
function lenientCast(src: string, to: string): string {
  const lossy = roundsAway(src, to);
  return lossy === "false" ? `TRY_CAST(${src} AS ${to})` : `CASE WHEN ${lossy} THEN NULL ELSE TRY_CAST(${src} AS ${to}) END`;
}

function nameFiles(paths: string[]): string {
  const shown = paths.slice(0, NAMED_FILES).join(", ");
  return paths.length > NAMED_FILES ? `${shown} and ${paths.length - NAMED_FILES} more` : shown;
}

/** A file's columns under the names a load gives them (see domain/column-names.ts). */
async function describe(c: DuckDBConnection, format: FormatSpec, localPath: string): Promise<Column[]> {
  const d = await describeFiles(c, format, [localPath]);
  const names = columnNamesFor(d.columns.map((col) => col.key));
  return d.columns.map((col, i) => ({ name: (names[i] as { name: string }).name, type: col.type.includes("\0") ? "JSON" : col.type }));
}

async function withMemoryDb<T>(
  tempDir: string | undefined,
  resources: EngineResources,
  fn: (connect: () => Promise<DuckDBConnection>) => Promise<T>,
): Promise<T> {
  const instance = await DuckDBInstance.create(":memory:", {
    // Extensions that are not built in would be downloaded: never, offline.
    autoinstall_known_extensions: "false",
    autoload_known_extensions: "true",
    // The same limits as loads: a file a run can load, a preview can read.
    memory_limit: resources.memoryLimit,
    threads: String(resources.threads),
    // An in-memory database spills to ./.tmp by default: keep that inside the preview's own directory.
    ...(tempDir ? { temp_directory: tempDir } : {}),
  });
  const connections: DuckDBConnection[] = [];
  try {
    return await fn(async () => {
      const c = await instance.connect();
      connections.push(c);
      return c;
    });
  } finally {
    for (const c of connections) c.closeSync();
    instance.closeSync();
  }
}

export async function previewFiles(
  files: PreviewFile[],
  format: FormatSpec,
  hints: Record<string, string>,
  options: { sampleRows: number; tempDir?: string; resources?: EngineResources },
): Promise<FilesPreview> {
  const warnings: PreviewWarning[] = [];
  const errors = new Map<string, string>();
  // Engine messages name the local copy; users know the file by its path in the source.
  const byLocal = new Map(files.map((f) => [f.localPath, f.path]));
  const message = (error: unknown) => {
    let m = engineMessage(error);
    for (const f of files) m = m.replaceAll(f.localPath, f.path);
    return m;
  };
  const unreadable = (f: PreviewFile, error: unknown) => {
    const m = message(error);
    errors.set(f.path, m);
    warnings.push({ code: "UNREADABLE_FILE", message: `Cannot read ${f.path}: ${m}`, path: f.path, column: null });
  };

  return withMemoryDb(options.tempDir, options.resources ?? defaultEngineResources(), async (connect) => {
    const c = await connect();
    // Each file on its own first: the schema it would bring alone, or why it cannot be read.
    // Empty files have no schema (DuckDB invents a column for them) and no rows: left out.
    const nonEmpty = files.filter((f) => f.size > 0);
    const perFile = new Map<string, Column[]>();
    const pool = await Promise.all(Array.from({ length: Math.min(DESCRIBE_CONCURRENCY, nonEmpty.length) }, connect));
    let next = 0;
    await Promise.all(
      pool.map(async (pc) => {
        while (next < nonEmpty.length) {
          const f = nonEmpty[next++] as PreviewFile;
          try {
            perFile.set(f.path, await describe(pc, format, f.localPath));
          } catch (error) {
            unreadable(f, error);
          }
        }
      }),
    );
    // Warnings in file order, whatever order the describes finished in.
    warnings.sort((a, b) => files.findIndex((f) => f.path === a.path) - files.findIndex((f) => f.path === b.path));
    let readable = nonEmpty.filter((f) => perFile.has(f.path));

    // The schema a load of all of them would infer (union by name), named as a load names it.
    let merged: Column[] = [];
    let batch: BatchRows | null = null;
    if (readable.length > 0) {
      try {
        batch = await openRows(c, format, readable.map((f) => ({ localPath: f.localPath, uri: f.localPath })));
        merged = batch.columns;
      } catch (error) {
        warnings.push({
          code: "SAMPLE_FAILED",
          message: `Cannot read the sampled files together: ${message(error)}`,
          path: null,
          column: null,
        });
        readable = [];
      }
    }
    for (const r of batch?.renames ?? []) {
      warnings.push({ code: "COLUMN_RENAMED", message: renameMessage(r), path: null, column: r.to });
    }
    for (const name of batch?.asJson ?? []) {
      warnings.push({
        code: "NESTED_KEY_AS_JSON",
        message: `Column '${name}' holds a nested key with a NUL character, which no type can name: its values are kept as JSON`,
        path: null,
        column: name,
      });
    }

    // CSV: the dialect each file is read with, and where the files disagree.
    const dialects: FilesPreview["dialects"] = [];
    if (format.type === "CSV") {
      for (const f of readable) {
        try {
          dialects.push({ path: f.path, dialect: await sniffCsv(c, format, f.localPath) });
        } catch {
          // The file read fine; a dialect that cannot be reported is left out.
        }
      }
      const shown = (d: CsvDialect) => JSON.stringify(d.delimiter);
      const groups = new Map<string, string[]>();
      for (const d of dialects) groups.set(shown(d.dialect), [...(groups.get(shown(d.dialect)) ?? []), d.path]);
      // A delimiter set by hand that leaves one column, where the file's own reads as several.
      if (format.options.delimiter != null && merged.length === 1) {
        const unset = { ...format, options: { ...format.options, delimiter: null } };
        for (const f of readable) {
          const own = await sniffCsv(c, unset, f.localPath).catch(() => null);
          const count = own ? (merged[0]?.name.split(own.delimiter).length ?? 1) : 1;
          if (!own || own.delimiter === format.options.delimiter || count < 2) continue;
          warnings.push({
            code: "CSV_DELIMITER_MISMATCH",
            message:
              `${f.path} reads as one column with the delimiter ${JSON.stringify(format.options.delimiter)}, but looks delimited by ` +
              `${JSON.stringify(own.delimiter)} (${count} columns): leave the delimiter empty to detect it, or set ${JSON.stringify(own.delimiter)}`,
            path: f.path,
            column: null,
          });
        }
      }
      if (groups.size > 1) {
        warnings.push({
          code: "CSV_DIALECTS_DIFFER",
          message: `The sampled CSV files use different delimiters: ${[...groups].map(([d, paths]) => `${d} in ${nameFiles(paths)}`).join("; ")}; each file is read with its own`,
          path: null,
          column: null,
        });
      }
    }

    // Where the files disagree: a column typed differently, or missing from some.
    const typesOf = (name: string) => {
      const groups = new Map<string, string[]>();
      for (const f of readable) {
        const col = perFile.get(f.path)?.find((p) => key(p.name) === key(name));
        if (col) groups.set(col.type, [...(groups.get(col.type) ?? []), f.path]);
      }
      return groups;
    };

    const hintByKey = new Map<string, { name: string; type: string }>();
    for (const [name, type] of Object.entries(hints)) {
      if (!SYSTEM_COLUMNS.includes(key(name))) {
        hintByKey.set(key(name), { name, type });
        continue;
      }
      warnings.push({
        code: "RESERVED_COLUMN",
        message: `The hint on '${name}' is ignored: the loader fills that column itself`,
        path: null,
        column: name,
      });
    }
    const columns: PreviewColumn[] = merged.map((m) => {
      const hint = hintByKey.get(key(m.name));
      const groups = typesOf(m.name);
      const presentIn = [...groups.values()].reduce((n, paths) => n + paths.length, 0);
      const type = hint?.type ?? m.type;
      // Integers in one file and decimals in another widen without loss: not a disagreement.
      if ([...groups.keys()].some((t) => t !== m.type && !isWidening(t, m.type))) {
        const parts = [...groups].map(([t, paths]) => `${t} in ${nameFiles(paths)}`);
        warnings.push({
          code: "TYPE_MISMATCH",
          message: `Column '${m.name}' has different types in the sampled files: ${parts.join("; ")} (${hint ? `hinted ${type}` : `read as ${type}`})`,
          path: null,
          column: m.name,
        });
      }
      if (presentIn < readable.length) {
        const missing = readable.filter((f) => ![...groups.values()].some((paths) => paths.includes(f.path))).map((f) => f.path);
        warnings.push({
          code: "MISSING_COLUMN",
          message: `Column '${m.name}' is missing from ${missing.length} of ${readable.length} sampled files (${nameFiles(missing)}); their rows have NULL there`,
          path: null,
          column: m.name,
        });
      }
      return { name: m.name, type, inferredType: m.type, origin: hint ? "hint" : "inferred", presentIn };
    });
    const present = new Set(merged.map((m) => key(m.name)));
    for (const [k, hint] of hintByKey) {
      if (present.has(k)) continue;
      columns.push({ name: hint.name, type: hint.type, inferredType: null, origin: "hint-only", presentIn: 0 });
      warnings.push({
        code: "HINT_NOT_FOUND",
        message: `Hinted column '${hint.name}' is in none of the sampled files; it is typed ${hint.type} once files have it`,
        path: null,
        column: hint.name,
      });
    }

    if (readable.length === 0 || !batch) return { columns, rows: [], errors, warnings, dialects };

    const reader = `${batch.sql} AS __al_rows`;
    const fileColumn = ident(batch.fileColumn);
    const projection = columns.map((col) => {
      if (col.origin === "hint-only") return `CAST(NULL AS ${col.type}) AS ${ident(col.name)}`;
      const src = ident(col.name);
      return col.origin === "hint" && col.type !== col.inferredType ? `${lenientCast(src, col.type)} AS ${src}` : src;
    });

    let rows: FilesPreview["rows"] = [];
    try {
      rows = await readSample(
        c,
        `SELECT ${[fileColumn, ...projection].join(", ")} FROM ${reader} LIMIT ${Math.trunc(options.sampleRows)}`,
      );
    } catch (error) {
      // Each file described fine, so this is rare (a reader failing only on the files together).
      warnings.push({ code: "SAMPLE_FAILED", message: `Cannot read sample rows: ${message(error)}`, path: null, column: null });
      return { columns, rows, errors, warnings, dialects };
    }
    rows = rows.map((r) => ({ file: byLocal.get(r.file) ?? r.file, values: r.values }));

    // Hinted values a load would refuse, in the leading rows of the sample.
    const casts = columns.filter((col) => col.origin === "hint" && col.inferredType !== null && col.type !== col.inferredType);
    if (casts.length > 0 && readable.length > 0) {
      const aggregates = casts.flatMap((col, i) => {
        const bad = doesNotConvert(ident(col.name), col.type);
        return [
          `count(*) FILTER (WHERE ${bad}) AS n${i}`,
          `min({'f': ${fileColumn}, 'v': CAST(${ident(col.name)} AS VARCHAR)}) FILTER (WHERE ${bad}) AS e${i}`,
        ];
      });
      try {
        const r = await c.runAndReadAll(
          `SELECT count(*) AS checked, ${aggregates.join(", ")} FROM (SELECT * FROM ${reader} LIMIT ${HINT_CHECK_ROWS})`,
        );
        const out = r.getRowObjectsJson()[0] as Record<string, Json>;
        const checked = Number(out.checked);
        casts.forEach((col, i) => {
          const n = Number(out[`n${i}`]);
          const example = out[`e${i}`] as { f: string; v: string } | null;
          if (n === 0 || !example) return;
          const value = col.inferredType === "JSON" ? example.v : JSON.stringify(example.v);
          warnings.push({
            code: "HINT_CONVERSION",
            message:
              `${n} of ${checked} sampled rows have a value in '${col.name}' that does not convert to ${col.type} ` +
              `(e.g. ${value} in ${byLocal.get(example.f) ?? example.f}): the sample shows NULL, and a load fails the files that hold such values`,
            path: null,
            column: col.name,
          });
        });
      } catch (error) {
        warnings.push({ code: "SAMPLE_FAILED", message: `Cannot check the hinted columns: ${message(error)}`, path: null, column: null });
      }
    }
    return { columns, rows, errors, warnings, dialects };
  });
}

async function readSample(c: DuckDBConnection, sql: string): Promise<FilesPreview["rows"]> {
  const r = await c.runAndReadAll(sql);
  return r.getRowsJson().map(([file, ...values]) => ({ file: String(file), values }));
}
