import type { Prisma } from "@/generated/prisma/client";
import type { UpdateConnectionInput } from "@/shared/contracts/connections";
import { DomainError } from "@/server/domain/errors";
import type { ServiceDeps } from "@/server/deps";
import { locationColumns, withNameGuard } from "./connection-columns";
import { assertLocationGranted, findOwnedConnection } from "./connection-rules";
import type { ConnectionView } from "@/shared/contracts/connections";
import { connectionSelect, toConnectionView } from "./connection-view";

/**
 * Renames, redescribes or relocates a connection. A connection in use keeps its type: its
 * ingestions' file histories name paths of that kind of storage.
 */
export async function updateConnection(deps: ServiceDeps, tenantId: string, { name, patch }: UpdateConnectionInput): Promise<ConnectionView> {
  const current = await findOwnedConnection(deps, tenantId, name, connectionSelect);
  const data: Prisma.ConnectionUpdateInput = { updatedAt: deps.clock() };
  if (patch.name !== undefined) data.name = patch.name;
  if (patch.description !== undefined) data.description = patch.description;
  if (patch.location) {
    if (patch.location.type !== current.type && current._count.ingestions > 0) {
      throw new DomainError(
        "BAD_REQUEST",
        `Connection '${name}' is used by ${current._count.ingestions} ingestion(s): its type cannot change from ${current.type} to ${patch.location.type}`,
        "patch.location.type",
      );
    }
    // Where its files are is what its ingestions' file histories describe (like an ingestion's
    // source, it cannot change under them); endpoint, region, path style and credentials can.
    const where = (l: { type: string; localPath?: string | null; path?: string; bucket?: string | null; prefix?: string | null }) =>
      l.type === "LOCAL" ? (l.path ?? l.localPath ?? "") : `s3://${l.bucket ?? ""}/${l.prefix ?? ""}`;
    if (current._count.ingestions > 0 && where(patch.location) !== where(current)) {
      throw new DomainError(
        "BAD_REQUEST",
        `Connection '${name}' is used by ${current._count.ingestions} ingestion(s): its location cannot change from ${where(current)} to ${where(patch.location)} (create another connection); its endpoint, region, path style and credentials can`,
        "patch.location",
      );
    }
    await assertLocationGranted(deps, tenantId, patch.location);
    Object.assign(data, locationColumns(patch.location, deps.config.secrets));
  }
  const row = await withNameGuard(patch.name ?? name, () =>
    deps.db.connection.update({ where: { id: current.id }, data, select: connectionSelect }),
  );
  deps.log.info(`[connections] updated '${row.name}' (${row.id}) for tenant ${tenantId}`);
  return toConnectionView(row, deps.config.secrets);
}
