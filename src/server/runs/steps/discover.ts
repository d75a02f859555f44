// The discover step: the source's matching files are registered (new ones PENDING, changed ones
// again), page by page.
import type { ServiceDeps } from "@/server/deps";
import { candidate } from "@/server/domain/file-selection";
import { listAll } from "@/server/sources/listing";
import { registerFiles } from "../file-state";
import { recordDiscovered } from "../run-record";
import { loadIngestion, type RunContext } from "./context";

export async function discoverFiles(
  deps: ServiceDeps,
  ctx: RunContext,
): Promise<{ listed: number; registered: number; skipped: number }> {
  // A retry reprocesses what its run left unfinished; new files wait for the next run.
  if (ctx.retryOf) return { listed: 0, registered: 0, skipped: 0 };
  const ingestion = await loadIngestion(deps, ctx.ingestionId);
  const source = await deps.engine.sources({ tenantId: ingestion.tenantId, connectionId: ingestion.connectionId, sourcePath: ingestion.sourcePath });
  // Empty files are registered too: registerFiles records them SKIPPED.
  const selected = candidate({ glob: ingestion.sourceGlob, modifiedAfter: ingestion.sourceModifiedAfter }, { emptyFiles: "include" });
  let listed = 0;
  let registered = 0;
  let skipped = 0;
  for await (const page of listAll(source)) {
    const wanted = page.filter(selected);
    listed += wanted.length;
    const r = await registerFiles(deps.db, ctx.ingestionId, wanted);
    registered += r.registered;
    skipped += r.skipped;
  }
  await recordDiscovered(deps, ctx.runId, { registered, skipped });
  return { listed, registered, skipped };
}
