// Writes test files (Parquet, zstd-compressed CSV/JSON) with DuckDB itself, as real producers do.
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";

/** Runs `fn` on a connection to a throwaway in-memory DuckDB. */
export async function withMemoryDuckDb(fn: (c: DuckDBConnection) => Promise<void>): Promise<void> {
  const writer = await DuckDBInstance.create(":memory:");
  const c = await writer.connect();
  try {
    await fn(c);
  } finally {
    c.closeSync();
    writer.closeSync();
  }
}

/**
 * Writes a warehouse file as the first release left it: the ledger without tables
 * (ingestion_id, path, run_id, row_count, loaded_at), with `ledgerRows`, then runs `moreSql`.
 */
export async function writeFirstLayoutWarehouse(
  file: string,
  ledgerRows: [ingestionId: string, path: string, runId: string, rows: number, loadedAt: string][],
  moreSql = "",
): Promise<void> {
  const db = await DuckDBInstance.create(file);
  const c = await db.connect();
  try {
    const q = (v: string) => `'${v.replaceAll("'", "''")}'`;
    await c.run(`CREATE SCHEMA _autoloader;
      CREATE TABLE _autoloader.loaded_files (ingestion_id VARCHAR NOT NULL, path VARCHAR NOT NULL, run_id VARCHAR NOT NULL,
        row_count BIGINT NOT NULL, loaded_at TIMESTAMP NOT NULL, PRIMARY KEY (ingestion_id, path));
      INSERT INTO _autoloader.loaded_files VALUES
        ${ledgerRows.map(([i, p, r, n, at]) => `(${q(i)}, ${q(p)}, ${q(r)}, ${n}, TIMESTAMP ${q(at)})`).join(",\n        ")};
      ${moreSql}`);
  } finally {
    c.closeSync();
    db.closeSync();
  }
}
