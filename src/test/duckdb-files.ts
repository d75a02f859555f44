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
