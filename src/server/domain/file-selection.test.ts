import { describe, expect, it } from "vitest";
import {
  candidate,
  claimable,
  claimOrder,
  isMarker,
  matcher,
  takenAfterListing,
  takenByLaterRuns,
  withinRunLimits,
  type ClaimState,
  type ListedObject,
} from "./file-selection";

const T0 = new Date("2026-03-01T00:00:00.000Z");
const obj = (path: string, size = 10, lastModified = T0): ListedObject => ({ path, size, lastModified });

describe("matcher and markers", () => {
  it("skips paths with a segment starting with _ or .", () => {
    expect(isMarker("_SUCCESS")).toBe(true);
    expect(isMarker("day=1/_SUCCESS")).toBe(true);
    expect(isMarker("a/.part-0.crc")).toBe(true);
    expect(isMarker("_tmp/a.json")).toBe(true);
    expect(isMarker("a/b_c.json")).toBe(false);
    expect(isMarker("a.b/c.json")).toBe(false);
  });

  it("takes every non-marker path without a glob, and the glob's non-marker paths with one", () => {
    expect(matcher(null)("x/y.csv")).toBe(true);
    expect(matcher(null)("x/_SUCCESS")).toBe(false);
    const json = matcher("**/*.jsonl");
    expect(json("a/b.jsonl")).toBe(true);
    expect(json("a/b.csv")).toBe(false);
    // A glob that names a marker still does not take it.
    expect(matcher("**/_SUCCESS")("a/_SUCCESS")).toBe(false);
    expect(matcher("*.jsonl")("a/b.jsonl")).toBe(false);
  });
});

describe("candidate", () => {
  const after = new Date(T0.getTime() + 1000);

  it("applies the glob, the markers and modifiedAfter (strictly after)", () => {
    const take = candidate({ glob: "*.jsonl", modifiedAfter: after }, { emptyFiles: "include" });
    expect(take(obj("a.jsonl", 10, new Date(after.getTime() + 1)))).toBe(true);
    expect(take(obj("a.jsonl", 10, after))).toBe(false);
    expect(take(obj("a.jsonl", 10, T0))).toBe(false);
    expect(take(obj("a.csv", 10, new Date(after.getTime() + 1)))).toBe(false);
    expect(take(obj(".a.jsonl", 10, new Date(after.getTime() + 1)))).toBe(false);
  });

  it("takes every modification time without modifiedAfter", () => {
    const take = candidate({ glob: null, modifiedAfter: null }, { emptyFiles: "include" });
    expect(take(obj("a", 10, new Date(0)))).toBe(true);
  });

  it("keeps or drops empty files as asked", () => {
    const selection = { glob: null, modifiedAfter: null };
    expect(candidate(selection, { emptyFiles: "include" })(obj("e.jsonl", 0))).toBe(true);
    expect(candidate(selection, { emptyFiles: "exclude" })(obj("e.jsonl", 0))).toBe(false);
    expect(candidate(selection, { emptyFiles: "exclude" })(obj("f.jsonl", 1))).toBe(true);
  });
});

describe("claimable", () => {
  const NOW = new Date("2026-06-01T12:00:00.000Z");
  const before = new Date(NOW.getTime() - 1);
  const later = new Date(NOW.getTime() + 1);
  const at = { now: NOW, maxRetries: 3 };
  const file = (f: Partial<ClaimState>): ClaimState => ({
    status: "PENDING",
    failureKind: null,
    retryCount: 0,
    nextAttemptAt: null,
    leaseExpiresAt: null,
    ...f,
  });

  it("takes new files, whatever else the row says", () => {
    expect(claimable(file({ leaseExpiresAt: later, nextAttemptAt: later, retryCount: 9 }), at)).toBe(true);
  });

  it("takes a transient (or unkinded) failure under the limit once its backoff has passed, at now included", () => {
    expect(claimable(file({ status: "FAILED", failureKind: "TRANSIENT", retryCount: 2, nextAttemptAt: NOW }), at)).toBe(true);
    expect(claimable(file({ status: "FAILED", failureKind: null, retryCount: 0, nextAttemptAt: null }), at)).toBe(true);
    expect(claimable(file({ status: "FAILED", failureKind: "TRANSIENT", nextAttemptAt: later }), at)).toBe(false);
    expect(claimable(file({ status: "FAILED", failureKind: "TRANSIENT", retryCount: 3, nextAttemptAt: before }), at)).toBe(false);
    expect(claimable(file({ status: "FAILED", failureKind: "DATA", nextAttemptAt: before }), at)).toBe(false);
  });

  it("takes any failed file for a retry of a run", () => {
    const retry = { ...at, retry: true };
    expect(claimable(file({ status: "FAILED", failureKind: "DATA", retryCount: 9, nextAttemptAt: later }), retry)).toBe(true);
    expect(claimable(file({ status: "SUCCESS" }), retry)).toBe(false);
  });

  it("takes a file being processed only once its lease expired (strictly before now)", () => {
    expect(claimable(file({ status: "PROCESSING", leaseExpiresAt: before }), at)).toBe(true);
    expect(claimable(file({ status: "PROCESSING", leaseExpiresAt: NOW }), at)).toBe(false);
    expect(claimable(file({ status: "PROCESSING", leaseExpiresAt: null }), at)).toBe(false);
  });

  it("never takes loaded, skipped or missing files", () => {
    for (const status of ["SUCCESS", "SKIPPED", "MISSING"] as const) {
      expect(claimable(file({ status, leaseExpiresAt: before }), at)).toBe(false);
    }
  });

  it("agrees with takenByLaterRuns once every backoff and lease has passed", () => {
    const farFuture = { now: new Date(8.64e15), maxRetries: 3 };
    for (const status of ["PENDING", "PROCESSING", "SUCCESS", "FAILED", "SKIPPED", "MISSING"] as const)
      for (const failureKind of [null, "TRANSIENT", "DATA"] as const)
        for (const retryCount of [0, 2, 3]) {
          const f = file({ status, failureKind, retryCount, nextAttemptAt: later, leaseExpiresAt: later });
          expect(takenByLaterRuns(f, 3), `${status} ${failureKind} ${retryCount}`).toBe(claimable(f, farFuture));
        }
  });
});

describe("takenAfterListing", () => {
  const listed = { size: 10, etag: "e1", lastModified: T0 };
  const recorded = { ...listed, failureKind: null, retryCount: 0 };

  it("takes files never recorded, requeued by the listing, or taken by later runs", () => {
    expect(takenAfterListing(undefined, listed, 3)).toBe(true);
    expect(takenAfterListing({ ...recorded, status: "MISSING" }, listed, 3)).toBe(true);
    expect(takenAfterListing({ ...recorded, status: "FAILED", failureKind: "DATA" }, { ...listed, etag: "e2" }, 3)).toBe(true);
    expect(takenAfterListing({ ...recorded, status: "PENDING" }, listed, 3)).toBe(true);
  });

  it("leaves loaded files, skipped ones, and unchanged data failures", () => {
    expect(takenAfterListing({ ...recorded, status: "SUCCESS" }, { ...listed, size: 11 }, 3)).toBe(false);
    expect(takenAfterListing({ ...recorded, status: "SKIPPED" }, listed, 3)).toBe(false);
    expect(takenAfterListing({ ...recorded, status: "FAILED", failureKind: "DATA" }, listed, 3)).toBe(false);
    expect(takenAfterListing({ ...recorded, status: "FAILED", failureKind: "TRANSIENT", retryCount: 3 }, listed, 3)).toBe(false);
  });
});

describe("claimOrder", () => {
  it("puts the oldest first, then orders by path", () => {
    const files = [obj("b", 1, new Date(T0.getTime() + 5)), obj("b", 1, T0), obj("a", 1, T0), obj("0", 1, new Date(T0.getTime() + 1))];
    expect(files.sort(claimOrder).map((f) => `${f.path}@${f.lastModified.getTime() - T0.getTime()}`)).toEqual(["a@0", "b@0", "0@1", "b@5"]);
  });
});

describe("withinRunLimits", () => {
  const sizes = (...s: number[]) => s.map((size, i) => ({ id: i, size }));
  const ids = (files: { id: number }[]) => files.map((f) => f.id);

  it("takes everything without limits", () => {
    expect(ids(withinRunLimits(sizes(5, 5, 5), { maxFiles: null, maxBytes: null }))).toEqual([0, 1, 2]);
  });

  it("stops at maxFiles", () => {
    expect(ids(withinRunLimits(sizes(5, 5, 5), { maxFiles: 2, maxBytes: null }))).toEqual([0, 1]);
    expect(ids(withinRunLimits(sizes(5), { maxFiles: 0, maxBytes: null }))).toEqual([]);
  });

  it("takes the longest prefix within maxBytes, the limit itself included, and no smaller file after it", () => {
    expect(ids(withinRunLimits(sizes(4, 6, 1), { maxFiles: null, maxBytes: 10 }))).toEqual([0, 1]);
    expect(ids(withinRunLimits(sizes(4, 7, 1), { maxFiles: null, maxBytes: 10 }))).toEqual([0]);
  });

  it("always takes the first file, even one alone over maxBytes", () => {
    expect(ids(withinRunLimits(sizes(50, 1), { maxFiles: null, maxBytes: 10 }))).toEqual([0]);
  });
});
