// The ingestion's listing state (domain/listing-plan.ts): where its next ORDERED discovery starts
// after, and when it last listed everything. Written only once a discovery has registered every
// page it listed: a crash before that leaves the old state, so the next run lists the same keys
// again (registering is idempotent) and none is skipped.
import type { ServiceDeps } from "@/server/deps";
import { nextHighWater, type ListingPlan } from "@/server/domain/listing-plan";

/** What the discovery read of the ingestion: the state changes only if these are still so. */
export interface ListedAs {
  ingestionId: string;
  sourceGlob: string | null;
  sourceModifiedAfter: Date | null;
  listingMode: "FULL" | "ORDERED";
  listingHighWaterPath: string | null;
}

/**
 * Records a completed discovery: the new high-water path and, for a full listing, its time.
 * Guarded by what the discovery listed for: an edit of the glob, modified-after or listing mode
 * meanwhile reset the state (services/ingestions/update-ingestion.ts), and this listing must not
 * bring the old high-water back. Returns whether it was recorded.
 */
export async function recordListingCompleted(
  deps: Pick<ServiceDeps, "db">,
  as: ListedAs,
  plan: ListingPlan,
  lastListed: string | null,
  /** When the discovery planned its listing: the next plan compares against it (not the end, or the interval drifts by a discovery each time). */
  plannedAt: Date,
): Promise<boolean> {
  const { count } = await deps.db.ingestion.updateMany({
    where: {
      id: as.ingestionId,
      sourceGlob: as.sourceGlob,
      sourceModifiedAfter: as.sourceModifiedAfter,
      listingMode: as.listingMode,
      listingHighWaterPath: as.listingHighWaterPath,
    },
    data: {
      listingHighWaterPath: nextHighWater(plan, lastListed),
      ...(plan.startAfter === null ? { lastFullListingAt: plannedAt } : {}),
    },
  });
  return count === 1;
}

/** The state an edit of what the ingestion lists (glob, modified-after, listing mode) or a FULL refresh starts from. */
export const RESET_LISTING_STATE = { listingHighWaterPath: null, lastFullListingAt: null } as const;
