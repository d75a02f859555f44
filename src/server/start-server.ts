// Server start: opens the database (applying migrations, creating the first admin key) before
// the first request, says where to sign in, and closes the database cleanly on shutdown — also
// when the start command that launched it dies.
import { existsSync } from "node:fs";
import path from "node:path";
import { loadConfig, serverUrl } from "@/env";
import { startEmbeddedScheduler } from "./scheduling/embedded-scheduler";
import { closeRuntime, getRuntime } from "./runtime";
import { ADMIN_KEY_FILE } from "./services/auth/tenants";
import { probeInngest } from "./services/health";
import { watchSupervisor } from "./supervisor";

export async function startServer(): Promise<void> {
  let stopping = false;
  let scheduler: { stop(): void } | null = null;
  const stop = (reason: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[server] ${reason}: closing the database`);
    scheduler?.stop();
    closeRuntime()
      .catch((error: unknown) => console.error("[server] close failed:", error))
      .finally(() => process.exit(0));
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
  // Watched from the start: a start command that dies while the database opens takes us too.
  const { supervisorPid } = loadConfig();
  if (supervisorPid !== undefined) {
    watchSupervisor(supervisorPid, () => stop(`the start command (process ${supervisorPid}) is gone`));
  }

  const runtime = await getRuntime();
  if (stopping) return;
  // With Inngest, its cron function ticks; without it, this process does (once per process).
  scheduler = runtime.inngest ? null : startEmbeddedScheduler(runtime.deps);
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
  // After the runtime printed a first start's key, so this never points at a key not made yet.
  const keyFile = path.join(runtime.config.dataDir, ADMIN_KEY_FILE);
  console.log(
    `[server] sign in at ${serverUrl(runtime.config)}/sign-in with an API key${existsSync(keyFile) ? ` (the first one is saved in ${keyFile})` : ""}`,
  );
}
