// What /api/health reports: each part the server depends on, and whether it answers. It is
// public, so it names no path, address or remote message: failures are an error code (the log has
// the detail).
import type { Runtime } from "@/server/runtime";

export interface Health {
  status: "ok" | "error";
  database: { kind: "pglite" | "postgres"; status: "ok" | "error"; message?: string };
  warehouse: { status: "ok" | "error"; message?: string };
  /** Inngest being down is not an error: runs fall back to this process. */
  inngest: "connected" | "disconnected" | "not-configured";
  scheduler: "inngest" | "embedded";
}

/** A failure as the public sees it: what failed and its error code, never its message. */
export function healthSummary(what: string, error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[A-Z0-9_]{2,40}$/.test(code) ? `${what} (${code})` : what;
}

const INNGEST_CLOUD_API = "https://api.inngest.com";

/** Any HTTP answer from Inngest's API counts as connected; no answer within the bound does not. */
export async function probeInngest(baseUrl: string | undefined, timeoutMs: number, fetchImpl: typeof fetch) {
  try {
    await fetchImpl(`${(baseUrl ?? INNGEST_CLOUD_API).replace(/\/+$/, "")}/health`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    return "connected" as const;
  } catch {
    return "disconnected" as const;
  }
}

export async function checkHealth(
  runtime: Pick<Runtime, "database" | "deps" | "inngest"> & { config: Pick<Runtime["config"], "inngest"> },
  fetchImpl: typeof fetch = fetch,
): Promise<Health> {
  const [database, warehouse, inngest] = await Promise.all([
    runtime.database.sql
      .query("SELECT 1")
      .then((): Health["database"] => ({ kind: runtime.database.kind, status: "ok" }))
      .catch((e: Error): Health["database"] => {
        runtime.deps.log.warn(`[health] the database does not answer: ${e.message}`);
        return { kind: runtime.database.kind, status: "error", message: healthSummary("The database does not answer", e) };
      }),
    runtime.deps.engine.warehouse
      .check()
      .then((): Health["warehouse"] => ({ status: "ok" }))
      .catch((e: Error): Health["warehouse"] => {
        runtime.deps.log.warn(`[health] the warehouse directory cannot be used: ${e.message}`);
        return { status: "error", message: healthSummary("The warehouse directory cannot be used", e) };
      }),
    runtime.inngest
      ? probeInngest(runtime.config.inngest.baseUrl, Math.min(runtime.config.inngest.sendTimeoutMs, 2000), fetchImpl)
      : Promise.resolve("not-configured" as const),
  ]);
  return {
    status: database.status === "ok" && warehouse.status === "ok" ? "ok" : "error",
    database,
    warehouse,
    inngest,
    scheduler: runtime.inngest ? "inngest" : "embedded",
  };
}
