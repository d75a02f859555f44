// What every service receives instead of importing it, so tests pass real ones or fakes.
import type { Db } from "@/server/db/database";
import type { RunEngine } from "@/server/runs/run-deps";

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
    /** Absolute directories local sources must lie under. */
    localRoots: string[];
    sessionTtlHours: number;
  };
  /** Warehouse, sources and run settings. */
  engine: RunEngine;
  /** Starts executing a QUEUED run in the background (the direct executor, or Inngest). */
  runs: RunLauncher;
}

export interface RunLauncher {
  readonly method: "direct";
  start(runId: string): void;
}

export const consoleLogger: Logger = {
  info: (m) => console.log(m),
  warn: (m) => console.warn(m),
  error: (m) => console.error(m),
};
