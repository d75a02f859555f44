// Where loaded rows go. Everything outside engine/destinations/ — the run pipeline, refresh,
// reprocess, clear, delete, adoption — talks to a table through this interface and never knows
// which destination holds it (today the embedded DuckDB warehouse: duckdb-warehouse.ts).
// A destination keeps a ledger of the files it holds, written with their rows in one commit:
// it is the truth about what a table holds, so runs reconcile from it after a crash.
import type { FailureKindValue } from "@/server/domain/file-retry";
import type { RunWarning } from "@/shared/run-warnings";
import type { Column, EvolutionModeValue } from "@/server/domain/schema-evolution";
import type { FormatSpec } from "@/server/engine/readers";

/** Which destination catalog: today a tenant's own (its warehouse database). */
export interface DestinationTarget {
  tenantKey: string;
}

/** Picks the destination of a target; the engine's deps hold one (engine.destinations). */
export type Destinations = (target: DestinationTarget) => Destination;

export interface TableRef {
  schema: string;
  table: string;
}

/** Where a ledger entry belongs: the ingestion that loaded the file and the table it went to. */
export interface LedgerScope extends TableRef {
  ingestionId: string;
}

/** What the ledger holds about one loaded file. */
export interface LedgerRecord {
  rows: number;
  /** The run that loaded it. */
  runId: string;
}

/** Per ingestion that loaded files into a table: how many, and their rows by the ledger. */
export interface LedgerSummary {
  ingestionId: string;
  files: number;
  rows: number;
}

export interface TableState {
  /** Null when the table does not exist. */
  table: {
    columns: Column[];
    rows: number;
    /** Whether its rows carry `_source_file`, so they can be told apart by file. */
    hasLineage: boolean;
  } | null;
  /** The ledger's files of the table, per ingestion that loaded them. */
  ledger: LedgerSummary[];
}

export interface BatchFile {
  id: string;
  /** Path relative to the source, as recorded in the file history. */
  path: string;
  /** Where the engine reads it (the local file, or the staged copy of an S3 object); unique per batch. */
  localPath: string;
}

export interface LoadTarget extends LedgerScope {
  runId: string;
  format: FormatSpec;
  mode: EvolutionModeValue;
  hints: Record<string, string>;
  /** What `_source_file` holds for a file: uriPrefix + its relative path. */
  uriPrefix: string;
}

/** What a load noticed about the data without failing for it; kept on the run and the schema version. */
export type LoadWarning = RunWarning;

export interface BatchOutcome {
  loaded: { id: string; path: string; rows: number }[];
  /** kind: DATA when the file's content is at fault (retried once it changes), TRANSIENT otherwise. */
  failed: { id: string; path: string; error: string; kind: FailureKindValue }[];
  /** Table schema after the batch, when the table exists. */
  tableColumns: Column[] | null;
  /** About the columns this batch created or added (type decisions, renamed keys). */
  warnings: LoadWarning[];
}

export interface LoadHooks {
  /** Test seam: runs after the destination commit, before the caller records it (crash injection). */
  afterWarehouseCommit?: (files: BatchFile[]) => Promise<void> | void;
}

export interface AdoptionHooks {
  /** Test seam: runs after the adoption's destination commit, before its metadata is written (crash injection). */
  afterAdoptionCommit?: () => Promise<void> | void;
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

export interface Destination {
  /**
   * Loads a batch exactly once: the table is created or evolved by the plan of the batch's
   * columns (mode, hints), and the rows and ledger entries of the files that load commit
   * together. Files the ledger already holds are counted, never written again; files that fail
   * on their own are isolated and reported, the others load. One step, not "ensure the table,
   * then write": a batch that does not load must leave no table change behind.
   */
  writeBatch(target: LoadTarget, files: BatchFile[], hooks?: LoadHooks): Promise<BatchOutcome>;
  /** The ledger entries of these files (by path) in the scope's table, for reconcile. */
  ledgerEntries(scope: LedgerScope, paths: string[]): Promise<Map<string, LedgerRecord>>;
  /**
   * Takes loaded files back out: deletes their rows (by `_source_file`) and their ledger entries
   * together, so a later run loads them again exactly once; `paths` null means all of the
   * ingestion's. Refuses a table whose rows carry no `_source_file`.
   */
  removeFiles(scope: LedgerScope, paths: string[] | null): Promise<{ rowsDeleted: number; ledgerEntriesRemoved: number }>;
  /**
   * Drops the table and forgets its ledger entries together (every ingestion's: the rows they
   * describe are gone); `ledgerEntriesRemoved` counts the scope's ingestion's own.
   */
  drop(scope: LedgerScope): Promise<{ tableExisted: boolean; rowsDropped: number; ledgerEntriesRemoved: number }>;
  /** The table's columns, rows and lineage, and its ledger; creates nothing. */
  describe(table: TableRef): Promise<TableState>;
  /** Up to `limit` rows of the table as JSON-safe objects; none when it does not exist. */
  sampleRows(table: TableRef, limit: number): Promise<Record<string, unknown>[]>;
  /**
   * Makes `to.ingestionId` the owner, in the ledger, of the table's files under `to.uriPrefix`
   * that `accepts` takes (by path relative to it), counting their rows as the table holds them;
   * idempotent. Rows of other files are not touched.
   */
  adopt(to: LedgerScope & { uriPrefix: string }, accepts: (path: string) => boolean, now: Date): Promise<LedgerAdoption>;
  /** Runs `fn` once every earlier `exclusive` call for the same table has settled (one owner change at a time). */
  exclusive<T>(table: TableRef, fn: () => Promise<T>): Promise<T>;
}
