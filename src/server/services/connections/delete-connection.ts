import { DomainError } from "@/server/domain/errors";
import type { ServiceDeps } from "@/server/deps";
import { findOwnedConnection } from "./connection-rules";

/** Deletes a connection no ingestion uses; one in use is a CONFLICT naming its ingestions. */
export async function deleteConnection(deps: ServiceDeps, tenantId: string, name: string): Promise<{ id: string; name: string }> {
  const c = await findOwnedConnection(deps, tenantId, name, { id: true, name: true });
  const users = await deps.db.ingestion.findMany({ where: { connectionId: c.id }, select: { name: true }, orderBy: { name: "asc" }, take: 4 });
  const inUse = () => {
    const count = users.length > 3 ? "4 or more ingestions" : `${users.length} ingestion(s)`;
    return new DomainError(
      "CONFLICT",
      `Connection '${name}' is used by ${count} (${users.slice(0, 3).map((u) => `'${u.name}'`).join(", ")}); delete them first`,
    );
  };
  if (users.length > 0) throw inUse();
  try {
    await deps.db.connection.delete({ where: { id: c.id } });
  } catch (error) {
    // An ingestion created on it meanwhile: the foreign key refuses (P2003).
    if ((error as { code?: string }).code === "P2003") throw new DomainError("CONFLICT", `Connection '${name}' is in use by an ingestion created meanwhile`);
    throw error;
  }
  deps.log.info(`[connections] deleted '${c.name}' (${c.id}) for tenant ${tenantId}`);
  return { id: c.id, name: c.name };
}
