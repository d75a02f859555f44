// GET /api/health: the server's state for load balancers and the dashboard, public, so the
// reason of a failure (which may name paths) goes to the log only.
import { getRuntime } from "@/server/runtime";
import { checkHealth, healthSummary } from "@/server/services/health";

export async function healthResponse(): Promise<Response> {
  try {
    const health = await checkHealth(await getRuntime());
    return Response.json(health, { status: health.status === "ok" ? 200 : 503 });
  } catch (error) {
    console.error("[health] the server is not ready:", error);
    return Response.json({ status: "error", error: healthSummary("The server is not ready; see its log", error) }, { status: 503 });
  }
}
