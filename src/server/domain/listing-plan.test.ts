import { describe, expect, it } from "vitest";
import { listRequestsPerMonth, nextHighWater, planListing, type ListingState } from "./listing-plan";

const NOW = new Date("2026-12-01T12:00:00Z");
const HOUR = 3_600_000;
const ordered = (over: Partial<ListingState> = {}): ListingState => ({
  listingMode: "ORDERED",
  fullListingEveryHours: 24,
  listingHighWaterPath: "dt=2026-11-30/part-0999.jsonl",
  lastFullListingAt: new Date(NOW.getTime() - HOUR),
  ...over,
});

describe("planListing", () => {
  it("FULL always lists everything, whatever its state", () => {
    expect(planListing(ordered({ listingMode: "FULL" }), NOW)).toEqual({ startAfter: null, fullBecause: "FULL_MODE" });
  });

  it("ORDERED lists after its high-water path while the last full listing is recent", () => {
    expect(planListing(ordered(), NOW)).toEqual({ startAfter: "dt=2026-11-30/part-0999.jsonl", fullBecause: null });
    expect(planListing(ordered({ lastFullListingAt: new Date(NOW.getTime() - 24 * HOUR + 1) }), NOW).fullBecause).toBeNull();
  });

  it("ORDERED lists everything without a high-water path, or once the interval has passed", () => {
    expect(planListing(ordered({ listingHighWaterPath: null }), NOW)).toEqual({ startAfter: null, fullBecause: "NO_HIGH_WATER" });
    expect(planListing(ordered({ lastFullListingAt: null }), NOW)).toEqual({ startAfter: null, fullBecause: "PERIODIC" });
    expect(planListing(ordered({ lastFullListingAt: new Date(NOW.getTime() - 24 * HOUR) }), NOW)).toEqual({ startAfter: null, fullBecause: "PERIODIC" });
  });
});

describe("nextHighWater", () => {
  it("is the last path listed, or the one an ordered listing that found nothing started after", () => {
    expect(nextHighWater({ startAfter: "b", fullBecause: null }, "c")).toBe("c");
    expect(nextHighWater({ startAfter: "b", fullBecause: null }, null)).toBe("b");
    expect(nextHighWater({ startAfter: null, fullBecause: "PERIODIC" }, null)).toBeNull();
  });
});

describe("listRequestsPerMonth", () => {
  const base = { fullListingEveryHours: 24, objects: 250_000, newObjectsPerRun: 1_500, runsPerMonth: 720, keysPerRequest: 1_000 };

  it("FULL: every run pages through every object", () => {
    expect(listRequestsPerMonth({ ...base, mode: "FULL" })).toEqual({ requests: 720 * 250, fullListings: 720, requestsPerRun: 250, requestsPerFullListing: 250 });
  });

  it("ORDERED: the new keys' pages each run, a full listing each interval in place of that run's", () => {
    expect(listRequestsPerMonth({ ...base, mode: "ORDERED" })).toEqual({ requests: 30 * 250 + 690 * 2, fullListings: 30, requestsPerRun: 2, requestsPerFullListing: 250 });
  });

  it("never more full listings than runs, and an empty listing is still a request", () => {
    expect(listRequestsPerMonth({ ...base, mode: "ORDERED", runsPerMonth: 4, newObjectsPerRun: 0 })).toMatchObject({ fullListings: 4, requests: 4 * 250 });
    expect(listRequestsPerMonth({ ...base, mode: "ORDERED", objects: 0, newObjectsPerRun: 0, runsPerMonth: 31 })).toMatchObject({ requests: 31 });
  });
});
