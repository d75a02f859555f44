// Service dependencies for tests: a real database, a controllable clock and a recording logger.
import type { Db } from "@/server/db/database";
import type { Logger, ServiceDeps } from "@/server/services/deps";

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
  opts: { clock?: TestClock; localRoots?: string[]; log?: Logger; sessionTtlHours?: number } = {},
): ServiceDeps {
  const clock = opts.clock;
  return {
    db,
    clock: clock ? () => clock.now : () => new Date(),
    log: opts.log ?? recordingLogger(),
    config: { localRoots: opts.localRoots ?? ["/tmp/autoloader-test-roots"], sessionTtlHours: opts.sessionTtlHours ?? 24 },
  };
}
