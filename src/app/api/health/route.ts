// Under `npm start` scripts/serve.ts answers this path before Next; this route serves `npm run dev`.
import { healthResponse } from "@/server/api/edge/health-http";

export const dynamic = "force-dynamic";

export function GET() {
  return healthResponse();
}
