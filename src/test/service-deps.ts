// Service dependencies for tests: a real database, a controllable clock and a recording logger.
import type { Db } from "@/server/db/database";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { Warehouse } from "@/server/engine/warehouse";
import { DEFAULT_RUN_SETTINGS, type RunEngine } from "@/server/runs/run-deps";
import type { LaunchRequest, Logger, RunLauncher, ServiceDeps } from "@/server/services/deps";
import { createSourceFactory } from "@/server/sources/source-factory";
import { grantsForAll, type Grants } from "@/server/domain/grants";
import type { SecretBox } from "@/server/secrets/secret-box";
import { testGrant, testSecrets } from "./connection-fixtures";

export interface TestClock {
  now: Date;
  advance(ms: number): void;
}

export function testClock(start = new Date("2026-11-22T12:00:00.000Z")): TestClock {
  const clock = {
    now: start,
    advance(ms: number) {
      clock.now = new Date(clock.now.getTime() + ms);
    },
  };
  return clock;
}

export interface RecordingLogger extends Logger {
  lines: { level: "info" | "warn" | "error"; message: string }[];
}

export function recordingLogger(): RecordingLogger {
  const lines: RecordingLogger["lines"] = [];
  return {
    lines,
    info: (message) => lines.push({ level: "info", message }),
    warn: (message) => lines.push({ level: "warn", message }),
    error: (message) => lines.push({ level: "error", message }),
  };
}

export function testDeps(
  db: Db,
  opts: {
    clock?: TestClock;
    localRoots?: string[];
    /** What tenants may reach; by default every tenant gets `localRoots`, AWS and ambient credentials. */
    grants?: Grants;
    /** The connection secrets' box; a fresh key by default. */
    secrets?: SecretBox | null;
    /** Where AMBIENT and ENV_REF credentials are read (never process.env in tests). */
    sourceEnv?: Record<string, string | undefined>;
    log?: Logger;
    sessionTtlHours?: number;
    engine?: Partial<RunEngine>;
    runs?: RunLauncher;
  } = {},
): ServiceDeps {
  const clock = opts.clock;
  const localRoots = opts.localRoots ?? ["/tmp/autoloader-test-roots"];
  const grants = opts.grants ?? grantsForAll(testGrant(localRoots));
  const secrets = opts.secrets === undefined ? testSecrets() : opts.secrets;
  // A warehouse of its own per deps, in a temp dir; DuckDB opens it only when a test loads.
  const scratch = path.join(os.tmpdir(), `autoloader-test-${randomBytes(6).toString("hex")}`);
  const engine: RunEngine = {
    warehouse: opts.engine?.warehouse ?? new Warehouse(path.join(scratch, "warehouse")),
    sources: opts.engine?.sources ?? createSourceFactory(db, { grants, secrets, env: opts.sourceEnv ?? {} }),
    settings: opts.engine?.settings ?? { ...DEFAULT_RUN_SETTINGS, stagingDir: path.join(scratch, "staging") },
    ...(opts.engine?.hooks ? { hooks: opts.engine.hooks } : {}),
  };
  return {
    db,
    clock: clock ? () => clock.now : () => new Date(),
    log: opts.log ?? recordingLogger(),
    config: { localRoots, grants, secrets, sessionTtlHours: opts.sessionTtlHours ?? 24 },
    engine,
    // Tests that trigger runs pass a launcher (usually the direct executor); others never start one.
    runs: opts.runs ?? {
      kind: "direct",
      launch(request) {
        throw new Error(`testDeps: no run launcher given, cannot start run ${request.runId}`);
      },
    },
  };
}

/** A launcher that only records what it was asked to launch (the runs stay QUEUED). */
export function recordingLauncher(): RunLauncher & { launched: LaunchRequest[] } {
  const launched: LaunchRequest[] = [];
  return {
    kind: "direct",
    launched,
    async launch(request) {
      launched.push(request);
      return { method: "direct" };
    },
  };
}
