// Proves a connection works: lists one page of it. Failures are summaries (what S3 or the
// filesystem said, never a remote body), as every source error is.
import type { ConnectionTestView } from "@/shared/contracts/connections";
import { SourceError } from "@/server/sources/source";
import type { ServiceDeps } from "@/server/deps";
import { findOwnedConnection } from "./connection-rules";

export async function testConnection(deps: ServiceDeps, tenantId: string, input: { name: string; path: string }): Promise<ConnectionTestView> {
  const c = await findOwnedConnection(deps, tenantId, input.name, { id: true, name: true });
  try {
    const source = await deps.engine.sources({ tenantId, connectionId: c.id, sourcePath: input.path });
    const page = await source.list(null, 5);
    const n = page.objects.length;
    return {
      ok: true,
      message: n === 0 ? `${source.uri} is reachable and empty` : `${source.uri} is reachable: ${page.nextCursor ? "more than 5" : n} file(s)`,
      sample: page.objects.map((o) => o.path),
    };
  } catch (error) {
    if (error instanceof SourceError) return { ok: false, message: error.message, sample: [] };
    throw error;
  }
}
