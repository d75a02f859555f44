// What the run pipeline needs besides the metadata database.
import type { AdoptionHooks, Destinations, LoadHooks } from "@/server/engine/destinations/destination";
import type { Warehouse } from "@/server/engine/destinations/duckdb/warehouse";
import type { SourceFactory } from "@/server/sources/source-factory";

export interface RunSettings {
  /** Per-run staging directories for downloaded objects live under here. */
  stagingDir: string;
  /**
   * A file that failed for a transient reason (storage, interruption) is retried by later runs
   * until it has failed this many times; a failure of its data waits for the file to change.
   */
  maxFileRetries: number;
  /** Backoff before a transient failure is retried: this after the first, doubling after each next one… */
  retryBackoffMs: number;
  /** …up to this. */
  retryBackoffMaxMs: number;
  /** How long a claim on a file lasts without renewal; an expired claim can be taken over. */
  leaseMs: number;
  /** A run with no heartbeat for this long is considered dead and releases its guard. */
  staleRunMs: number;
  batchMaxFiles: number;
  batchMaxBytes: number;
  /** Concurrent downloads when staging S3 objects. */
  downloadConcurrency: number;
}

/** Test seams of the pipeline's recording of a batch in the metadata database. */
/** Fair sharing of run slots (run-slots.ts; defaults there). */
export interface RunLimits {
  /** Runs RUNNING at once, all tenants together. */
  maxConcurrentRuns: number;
  /** Runs RUNNING at once for one tenant. */
  maxConcurrentRunsPerTenant: number;
}

export interface RecordingHooks {
  /**
   * Runs after a batch's loaded files are marked (state, attempts and the run's counters, in one
   * statement), before its failed and missing files and the rest are recorded: crash injection.
   */
  afterLoadedFilesMarked?: (files: { id: string; path: string; rows: number }[]) => Promise<void> | void;
}

export interface RunEngine {
  /** The embedded DuckDB warehouse: the default destination, and what health and shutdown see. */
  warehouse: Warehouse;
  /** Where each target's tables are (engine/destinations/destination-of.ts); absent: in `warehouse`. */
  destinations?: Destinations;
  sources: SourceFactory;
  settings: RunSettings;
  /** Crash-injection seams for tests. */
  hooks?: LoadHooks & AdoptionHooks & RecordingHooks;
}

export const DEFAULT_RUN_SETTINGS: Omit<RunSettings, "stagingDir"> = {
  maxFileRetries: 3,
  retryBackoffMs: 60_000,
  retryBackoffMaxMs: 60 * 60_000,
  leaseMs: 15 * 60_000,
  staleRunMs: 5 * 60_000,
  batchMaxFiles: 5_000,
  // One statement reads a whole batch; DuckDB's footprint grows with the batch, so this bounds it.
  // 1 GB of JSON Lines peaked at 982–1,056 MiB with 640 MiB batches and 884–887 MiB with 512
  // (npm run bench, issue 12): the bound of 1 GiB holds with 512.
  batchMaxBytes: 512 * 1024 * 1024,
  downloadConcurrency: 8,
};
