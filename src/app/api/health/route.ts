import { getRuntime } from "@/server/runtime";
import { checkHealth } from "@/server/services/health";

export const dynamic = "force-dynamic";

export async function GET() {
  try {
    const health = await checkHealth(await getRuntime());
    return Response.json(health, { status: health.status === "ok" ? 200 : 503 });
  } catch (error) {
    return Response.json({ status: "error", error: (error as Error).message }, { status: 503 });
  }
}
