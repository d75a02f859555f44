// What /api/health reports: each part the server depends on, and whether it answers.
import type { Runtime } from "@/server/runtime";

export interface Health {
  status: "ok" | "error";
  database: { kind: "pglite" | "postgres"; status: "ok" | "error"; message?: string };
  warehouse: { dir: string; status: "ok" | "error"; message?: string };
  /** Inngest being down is not an error: runs fall back to this process. */
  inngest: "connected" | "disconnected" | "not-configured";
  scheduler: "inngest" | "embedded";
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
      .catch((e: Error): Health["database"] => ({ kind: runtime.database.kind, status: "error", message: e.message })),
    runtime.deps.engine.warehouse
      .check()
      .then((): Health["warehouse"] => ({ dir: runtime.deps.engine.warehouse.dir, status: "ok" }))
      .catch((e: Error): Health["warehouse"] => ({ dir: runtime.deps.engine.warehouse.dir, status: "error", message: e.message })),
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
