// What every service receives instead of importing it, so tests pass real ones or fakes.
import type { Db } from "@/server/db/database";
import type { CostPrices } from "@/server/domain/cost";
import type { Grants } from "@/server/domain/grants";
import type { SecretBox } from "@/server/secrets/secret-box";
import type { RunEngine, RunLimits } from "@/server/runs/run-deps";

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface ServiceDeps {
  db: Db;
  clock: () => Date;
  log: Logger;
  config: {
    /** The default tenant's local roots when there is no grants file (informational; grants decide). */
    localRoots: string[];
    /** What each tenant may reach (server/domain/grants.ts); checked at connection create/update and every use. */
    grants: Grants;
    /** Encrypts and decrypts connections' keys; null when the server has no secrets key. */
    secrets: SecretBox | null;
    sessionTtlHours: number;
    /** Bounds of a source preview's sample; defaults in services/preview/preview-source.ts. */
    preview?: PreviewLimits;
    /** Cost estimate settings; defaults in server/domain/cost.ts when absent. */
    cost?: CostSettings;
    /** Concurrent RUNNING runs, in all and per tenant; defaults in server/runs/run-slots.ts. */
    runLimits?: RunLimits;
  };
  /** Warehouse, sources and run settings. */
  engine: RunEngine;
  /** Starts executing a QUEUED run in the background: on Inngest, or in-process. */
  runs: RunLauncher;
}

export interface PreviewLimits {
  /** At most this many matched files are read. */
  maxFiles: number;
  /** ...holding at most this many bytes in all (the first matched file is read whatever its size). */
  maxBytes: number;
  /** Listing stops after this many objects; counts then say "at least". */
  maxListed?: number;
}

export interface CostSettings {
  /** Prices the operator set (AUTOLOADER_PRICE_*); the others are the defaults. */
  prices?: Partial<CostPrices>;
  /** The load model (per-run overhead, per-file cost, MB/s) measured by `npm run bench`: <data dir>/calibration.json. */
  calibrationFile?: string;
  /** The estimate's listing stops after this many objects (default 100,000); counts then say "at least". */
  listLimit?: number;
  /** DuckDB table bytes per source byte (default 1). */
  warehouseBytesPerSourceByte?: number;
}

export interface LaunchRequest {
  runId: string;
  ingestionId: string;
  tenantId: string;
  /** Idempotency id of the Inngest event (`${ingestionId}:${slot}` for scheduled runs). */
  eventId: string;
}

export type LaunchResult = { method: "inngest"; eventId: string } | { method: "direct" };

export interface RunLauncher {
  /** Where runs go first: Inngest when configured (falling back to direct), or direct. */
  readonly kind: "inngest" | "direct";
  launch(request: LaunchRequest): Promise<LaunchResult>;
}

export const consoleLogger: Logger = {
  info: (m) => console.log(m),
  warn: (m) => console.warn(m),
  error: (m) => console.error(m),
};
