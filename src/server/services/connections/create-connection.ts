import type { CreateConnectionInput } from "@/shared/contracts/connections";
import type { ServiceDeps } from "@/server/deps";
import { locationColumns, withNameGuard } from "./connection-columns";
import { assertLocationGranted } from "./connection-rules";
import type { ConnectionView } from "@/shared/contracts/connections";
import { connectionSelect, toConnectionView } from "./connection-view";

export async function createConnection(deps: ServiceDeps, tenantId: string, input: CreateConnectionInput): Promise<ConnectionView> {
  await assertLocationGranted(deps, tenantId, input.location);
  const now = deps.clock();
  const row = await withNameGuard(input.name, () =>
    deps.db.connection.create({
      data: {
        tenantId,
        name: input.name,
        description: input.description ?? null,
        ...locationColumns(input.location, deps.config.secrets),
        createdAt: now,
        updatedAt: now,
      },
      select: connectionSelect,
    }),
  );
  deps.log.info(`[connections] created '${row.name}' (${row.id}, ${row.type}) for tenant ${tenantId}`);
  return toConnectionView(row, deps.config.secrets);
}
