import type { ServiceDeps } from "../deps";
import { findOwnedIngestion } from "./ingestion-rules";
import { toIngestionView, type IngestionView } from "./ingestion-view";

export async function getIngestion(deps: ServiceDeps, tenantId: string, id: string): Promise<IngestionView> {
  return toIngestionView(await findOwnedIngestion(deps, tenantId, id), deps.clock());
}
