import { getRuntime } from "@/server/runtime";

export const dynamic = "force-dynamic";

export async function GET() {
  try {
    const runtime = await getRuntime();
    await runtime.database.sql.query("SELECT 1");
    return Response.json({ status: "ok", database: { kind: runtime.database.kind, status: "ok" } });
  } catch (error) {
    return Response.json({ status: "error", database: { status: "error", message: (error as Error).message } }, { status: 503 });
  }
}
