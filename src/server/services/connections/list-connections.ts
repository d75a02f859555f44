import type { z } from "zod";
import type { listConnectionsInput } from "@/shared/contracts/connections";
import type { ServiceDeps } from "@/server/deps";
import { findOwnedConnection } from "./connection-rules";
import type { ConnectionView } from "@/shared/contracts/connections";
import { connectionSelect, toConnectionView } from "./connection-view";

export async function listConnections(
  deps: ServiceDeps,
  tenantId: string,
  input: z.infer<typeof listConnectionsInput>,
): Promise<{ items: ConnectionView[]; nextCursor: string | null }> {
  // Ids are UUIDv7, ordered by creation: the cursor is the last id seen, newest first.
  const rows = await deps.db.connection.findMany({
    where: { tenantId, ...(input.cursor ? { id: { lt: input.cursor } } : {}) },
    orderBy: { id: "desc" },
    take: input.limit + 1,
    select: connectionSelect,
  });
  const page = rows.slice(0, input.limit);
  return {
    items: page.map((r) => toConnectionView(r, deps.config.secrets)),
    nextCursor: rows.length > input.limit ? (page[page.length - 1]?.id ?? null) : null,
  };
}

export async function getConnection(deps: ServiceDeps, tenantId: string, name: string): Promise<ConnectionView> {
  return toConnectionView(await findOwnedConnection(deps, tenantId, name, connectionSelect), deps.config.secrets);
}
