import { getRuntime } from "@/server/runtime";
import { checkHealth, healthSummary } from "@/server/services/health";

export const dynamic = "force-dynamic";

export async function GET() {
  try {
    const health = await checkHealth(await getRuntime());
    return Response.json(health, { status: health.status === "ok" ? 200 : 503 });
  } catch (error) {
    // Public: the reason (which may name paths) goes to the log only.
    console.error("[health] the server is not ready:", error);
    return Response.json({ status: "error", error: healthSummary("The server is not ready; see its log", error) }, { status: 503 });
  }
}
