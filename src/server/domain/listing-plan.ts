// How a run's discovery lists its source. FULL lists every object, every run. ORDERED is for keys
// that arrive in lexical order (date-partitioned paths): a run lists only what sorts after the last
// path the previous discovery saw, so its LIST requests follow the new keys, not the bucket's size;
// a full listing every `fullListingEveryHours` catches files that landed under a path sorting
// before that one (a late partition, a re-upload). Auto Loader's incremental listing has the same
// shape (cloudFiles.useIncrementalListing with a backfillInterval). Pure.
import type { ListingMode } from "@/generated/prisma/enums";

export type ListingModeValue = ListingMode;

export interface ListingState {
  listingMode: ListingModeValue;
  fullListingEveryHours: number;
  /** The last path of the last completed discovery, or null (never listed, or reset). */
  listingHighWaterPath: string | null;
  lastFullListingAt: Date | null;
}

export interface ListingPlan {
  /** List after this path; null: list everything. */
  startAfter: string | null;
  /** Why the listing is full, for the run's log; null for an ordered one. */
  fullBecause: "FULL_MODE" | "NO_HIGH_WATER" | "PERIODIC" | null;
}

const HOUR = 3_600_000;

export function planListing(state: ListingState, now: Date): ListingPlan {
  if (state.listingMode === "FULL") return { startAfter: null, fullBecause: "FULL_MODE" };
  if (state.listingHighWaterPath === null) return { startAfter: null, fullBecause: "NO_HIGH_WATER" };
  if (state.lastFullListingAt === null || now.getTime() - state.lastFullListingAt.getTime() >= state.fullListingEveryHours * HOUR) {
    return { startAfter: null, fullBecause: "PERIODIC" };
  }
  return { startAfter: state.listingHighWaterPath, fullBecause: null };
}

/**
 * The high-water path after a completed discovery: the last path it listed, or, when an ordered
 * listing found nothing after it, the one it started after. Paths come in order, so the last one
 * listed is the greatest.
 */
export function nextHighWater(plan: ListingPlan, lastListed: string | null): string | null {
  return lastListed ?? plan.startAfter;
}

/**
 * LIST requests a month of `runsPerMonth` runs makes, each run bringing `newObjectsPerRun`: FULL
 * lists all `objects` every run; ORDERED lists the new ones (at least one request) and, once every
 * `fullListingEveryHours` (at most once a run), all of them.
 */
export function listRequestsPerMonth(args: {
  mode: ListingModeValue;
  fullListingEveryHours: number;
  objects: number;
  newObjectsPerRun: number;
  runsPerMonth: number;
  keysPerRequest: number;
}): { requests: number; fullListings: number; requestsPerRun: number; requestsPerFullListing: number } {
  const pages = (n: number) => Math.max(1, Math.ceil(n / args.keysPerRequest));
  const full = pages(args.objects);
  if (args.mode === "FULL") {
    return { requests: args.runsPerMonth * full, fullListings: args.runsPerMonth, requestsPerRun: full, requestsPerFullListing: full };
  }
  const ordered = pages(args.newObjectsPerRun);
  // 30 days; a full listing replaces that run's ordered one.
  const fullListings = Math.min(args.runsPerMonth, Math.ceil((30 * 24) / args.fullListingEveryHours));
  return {
    requests: (args.runsPerMonth - fullListings) * ordered + fullListings * full,
    fullListings,
    requestsPerRun: ordered,
    requestsPerFullListing: full,
  };
}
