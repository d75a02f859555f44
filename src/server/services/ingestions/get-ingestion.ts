import type { ServiceDeps } from "@/server/deps";
import { findOwnedIngestion } from "./ingestion-rules";
import type { IngestionView } from "@/shared/contracts/ingestions";
import { toIngestionView } from "./ingestion-view";

export async function getIngestion(deps: ServiceDeps, tenantId: string, id: string): Promise<IngestionView> {
  return toIngestionView(await findOwnedIngestion(deps, tenantId, id), deps.clock());
}
