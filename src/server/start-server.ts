// Server start: opens the database (applying migrations, creating the first admin key) before
// the first request, and closes it cleanly on shutdown.
import { startEmbeddedScheduler } from "./orchestration/embedded-scheduler";
import { closeRuntime, getRuntime } from "./runtime";
import { probeInngest } from "./services/health";

export async function startServer(): Promise<void> {
  const runtime = await getRuntime();
  // With Inngest, its cron function ticks; without it, this process does (once per process).
  const scheduler = runtime.inngest ? null : startEmbeddedScheduler(runtime.deps);
  if (runtime.inngest) {
    const { baseUrl, sendTimeoutMs } = runtime.config.inngest;
    void probeInngest(baseUrl, Math.min(sendTimeoutMs, 2000), fetch).then((state) => {
      if (state === "disconnected") {
        runtime.deps.log.warn(
          `[orchestrator] Inngest at ${baseUrl ?? "its default URL"} is not reachable: runs fall back to this process until it is (see /api/health)`,
        );
      }
    });
  }
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.log(`[server] ${signal}: closing the database`);
    scheduler?.stop();
    closeRuntime()
      .catch((error: unknown) => console.error("[server] close failed:", error))
      .finally(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
