// The discover step: the source's matching files are registered (new ones PENDING, changed ones
// again), page by page: one page in memory at a time, and the history stays in the database
// (registerFiles joins each page against it). An ORDERED listing asks only for what sorts after
// the last path seen (domain/listing-plan.ts).
import type { ServiceDeps } from "@/server/deps";
import { candidate } from "@/server/domain/file-selection";
import { planListing } from "@/server/domain/listing-plan";
import { listAll, newTally } from "@/server/sources/listing";
import { registerFiles } from "../file-state";
import { recordListingCompleted } from "../listing-state";
import { recordDiscovered } from "../run-record";
import { loadIngestion, type RunContext } from "./context";

export interface Discovered {
  listed: number;
  registered: number;
  skipped: number;
  /** Pages asked of the source (LIST requests on S3). */
  listRequests: number;
  /** The path an ordered listing started after; null for a full listing. */
  listedAfter: string | null;
}

export async function discoverFiles(deps: ServiceDeps, ctx: RunContext): Promise<Discovered> {
  // A retry reprocesses what its run left unfinished; new files wait for the next run.
  if (ctx.retryOf) return { listed: 0, registered: 0, skipped: 0, listRequests: 0, listedAfter: null };
  const ingestion = await loadIngestion(deps, ctx.ingestionId);
  const source = await deps.engine.sources({ tenantId: ingestion.tenantId, connectionId: ingestion.connectionId, sourcePath: ingestion.sourcePath });
  // Empty files are registered too: registerFiles records them SKIPPED.
  const selected = candidate({ glob: ingestion.sourceGlob, modifiedAfter: ingestion.sourceModifiedAfter }, { emptyFiles: "include" });
  const plannedAt = deps.clock();
  const plan = planListing(ingestion, plannedAt);
  const tally = newTally();
  let listed = 0;
  let registered = 0;
  let skipped = 0;
  // The next page is asked for while this one is registered: the step takes about as long as the
  // slower of the two, not their sum, with at most two pages in memory.
  const pages = listAll(source, undefined, { startAfter: plan.startAfter, tally });
  const ahead = () => {
    const page = pages.next();
    // Its failure may come while a page is being registered, before it is awaited: it is not
    // unhandled (the await below throws it), and is dropped if registering failed first.
    page.catch(() => undefined);
    return page;
  };
  let next = ahead();
  for (let page = await next; !page.done; page = await next) {
    next = ahead();
    const wanted = page.value.filter(selected);
    listed += wanted.length;
    const r = await registerFiles(deps.db, ctx.ingestionId, wanted);
    registered += r.registered;
    skipped += r.skipped;
  }
  // Every listed page is registered: only now may the next ordered listing start after them.
  await recordListingCompleted(deps, { ingestionId: ingestion.id, ...ingestion }, plan, tally.lastPath, plannedAt);
  await recordDiscovered(deps, ctx.runId, { registered, skipped, listRequests: tally.requests, listedAfter: plan.startAfter });
  if (plan.fullBecause === "PERIODIC") deps.log.info(`[run ${ctx.runId}] periodic full listing (every ${ingestion.fullListingEveryHours} h) of an ordered source`);
  return { listed, registered, skipped, listRequests: tally.requests, listedAfter: plan.startAfter };
}
