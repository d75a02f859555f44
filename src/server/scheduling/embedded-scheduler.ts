// The in-process scheduler for machines without Inngest: the scheduler tick once a minute,
// at most one ticker per process (a second start returns the first), ticks never overlapping.
import type { ServiceDeps } from "@/server/deps";
import { runSchedulerTick, type TickResult } from "./scheduler-tick";

export interface EmbeddedScheduler {
  /** Runs one tick now (the timer calls this too); overlapping calls share the running tick. */
  tick(): Promise<TickResult>;
  stop(): void;
}

const KEY = Symbol.for("autoloader.embeddedScheduler");
type Holder = { [KEY]?: EmbeddedScheduler };

export function startEmbeddedScheduler(
  deps: ServiceDeps,
  opts: { intervalMs?: number; unique?: boolean } = {},
): EmbeddedScheduler {
  const holder = globalThis as Holder;
  const unique = opts.unique ?? true;
  if (unique && holder[KEY]) return holder[KEY];
  let running: Promise<TickResult> | null = null;
  const tick = () => {
    running ??= runSchedulerTick(deps)
      .catch((error: unknown) => {
        deps.log.error(`[scheduler] tick failed: ${(error as Error).message}`);
        return { due: 0, started: [], skipped: [] } satisfies TickResult;
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  const interval = opts.intervalMs ?? 60_000;
  // First tick at the next whole minute, then every interval.
  let timer: NodeJS.Timeout = setTimeout(
    () => {
      void tick();
      timer = setInterval(() => void tick(), interval);
      timer.unref();
    },
    interval - (Date.now() % interval),
  );
  timer.unref();
  const scheduler: EmbeddedScheduler = {
    tick,
    stop() {
      clearTimeout(timer);
      clearInterval(timer);
      if (holder[KEY] === scheduler) delete holder[KEY];
    },
  };
  if (unique) holder[KEY] = scheduler;
  deps.log.info(`[scheduler] embedded scheduler started (every ${Math.round(interval / 1000)} s)`);
  return scheduler;
}
