// What /api/health reports: each part the server depends on, and whether it answers.
import type { Runtime } from "@/server/runtime";

export interface Health {
  status: "ok" | "error";
  database: { kind: "pglite" | "postgres"; status: "ok" | "error"; message?: string };
  warehouse: { dir: string; status: "ok" | "error"; message?: string };
}

export async function checkHealth(runtime: Pick<Runtime, "database" | "deps">): Promise<Health> {
  const database: Health["database"] = await runtime.database.sql
    .query("SELECT 1")
    .then(() => ({ kind: runtime.database.kind, status: "ok" as const }))
    .catch((e: Error) => ({ kind: runtime.database.kind, status: "error" as const, message: e.message }));
  const warehouse: Health["warehouse"] = await runtime.deps.engine.warehouse
    .check()
    .then(() => ({ dir: runtime.deps.engine.warehouse.dir, status: "ok" as const }))
    .catch((e: Error) => ({ dir: runtime.deps.engine.warehouse.dir, status: "error" as const, message: e.message }));
  return { status: database.status === "ok" && warehouse.status === "ok" ? "ok" : "error", database, warehouse };
}
