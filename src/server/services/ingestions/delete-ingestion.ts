import type { ServiceDeps } from "../deps";
import { assertActiveRunFree, findOwnedIngestion } from "./ingestion-rules";

export async function deleteIngestion(
  deps: ServiceDeps,
  tenantId: string,
  id: string,
): Promise<{ id: string; name: string; tableKept: string }> {
  const current = await findOwnedIngestion(deps, tenantId, id);
  await assertActiveRunFree(deps, current, "delete");
  // Runs, file history and schema versions cascade with the ingestion.
  await deps.db.ingestion.deleteMany({ where: { id, tenantId } });
  deps.log.info(`[ingestions] deleted '${current.name}' (${id}) for tenant ${tenantId}`);
  return { id, name: current.name, tableKept: `${current.destinationSchema}.${current.destinationTable}` };
}
