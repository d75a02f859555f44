import { describe, expect, it } from "vitest";
import { listingChanged, requeuedByListing, retryBackoffMs, failureKindOf } from "./file-retry";
import { takenByLaterRuns } from "./file-selection";

const version = { size: 10n, etag: "e1", lastModified: new Date("2026-01-01T00:00:00Z") };

describe("listingChanged", () => {
  it("is false for the same size, ETag and modification time", () => {
    expect(listingChanged(version, { size: 10, etag: "e1", lastModified: new Date("2026-01-01T00:00:00Z") })).toBe(false);
  });

  it("is true when any of them differs", () => {
    expect(listingChanged(version, { ...version, size: 11 })).toBe(true);
    expect(listingChanged(version, { ...version, etag: "e2" })).toBe(true);
    expect(listingChanged(version, { ...version, etag: null })).toBe(true);
    expect(listingChanged(version, { ...version, lastModified: new Date("2026-01-01T00:00:01Z") })).toBe(true);
  });
});

describe("requeuedByListing", () => {
  it("puts a MISSING file back whenever it is listed again, changed or not", () => {
    expect(requeuedByListing({ ...version, status: "MISSING" }, version)).toBe(true);
  });

  it("puts a FAILED file back only when the listing shows it changed", () => {
    expect(requeuedByListing({ ...version, status: "FAILED" }, version)).toBe(false);
    expect(requeuedByListing({ ...version, status: "FAILED" }, { ...version, size: 12 })).toBe(true);
  });

  it("leaves loaded, skipped, waiting and claimed files alone (a file is loaded once)", () => {
    for (const status of ["SUCCESS", "SKIPPED", "PENDING", "PROCESSING"] as const) {
      expect(requeuedByListing({ ...version, status }, { ...version, size: 12 })).toBe(false);
    }
  });
});

describe("takenByLaterRuns", () => {
  const failed = (failureKind: "TRANSIENT" | "DATA" | null, retryCount: number) => ({ status: "FAILED" as const, failureKind, retryCount });

  it("takes waiting and abandoned claims", () => {
    expect(takenByLaterRuns({ status: "PENDING", failureKind: null, retryCount: 0 }, 3)).toBe(true);
    expect(takenByLaterRuns({ status: "PROCESSING", failureKind: null, retryCount: 0 }, 3)).toBe(true);
  });

  it("takes transient failures (and failures of no recorded kind) under the limit", () => {
    expect(takenByLaterRuns(failed("TRANSIENT", 2), 3)).toBe(true);
    expect(takenByLaterRuns(failed(null, 1), 3)).toBe(true);
    expect(takenByLaterRuns(failed("TRANSIENT", 3), 3)).toBe(false);
  });

  it("never takes a failure of the data by itself", () => {
    expect(takenByLaterRuns(failed("DATA", 0), 3)).toBe(false);
  });

  it("never takes loaded, skipped or missing files", () => {
    for (const status of ["SUCCESS", "SKIPPED", "MISSING"] as const) {
      expect(takenByLaterRuns({ status, failureKind: null, retryCount: 0 }, 3)).toBe(false);
    }
  });
});

describe("retryBackoffMs", () => {
  const settings = { retryBackoffMs: 60_000, retryBackoffMaxMs: 300_000 };

  it("doubles with each failure: 1, 2, 4 minutes", () => {
    expect([1, 2, 3].map((n) => retryBackoffMs(n, settings))).toEqual([60_000, 120_000, 240_000]);
  });

  it("is capped", () => {
    expect(retryBackoffMs(4, settings)).toBe(300_000);
    expect(retryBackoffMs(1_000, settings)).toBe(300_000);
  });
});

describe("failureKindOf", () => {
  // Messages as DuckDB 1.5 gives them for the cases named.
  it.each([
    ['Invalid Input Error: Malformed JSON in file "/in/a.jsonl", at byte 12 in line 2: unexpected character.', "DATA"],
    ["Conversion Error: Could not convert string 'x' to INT64 when casting from source column n", "DATA"],
    ["Invalid Input Error: No magic bytes found at end of file '/in/t.parquet'", "DATA"],
    ["IO Error: Input is not a GZIP stream: /in/bad.jsonl.gz", "DATA"],
    ['Binder Error: Option filename adds column "f", but a column with this name is also in the file.', "DATA"],
    ["Out of Memory Error: failed to allocate data of size 1.0 GiB (524.1 KiB/366.2 MiB used)", "TRANSIENT"],
    ["IO Error: Could not write file \"/tmp/x\": No space left on device", "TRANSIENT"],
    ["FATAL Error: Failed: database has been invalidated because of a previous fatal error.", "TRANSIENT"],
    ["IO Error: Cannot open file \"/data/corrupt-files/a.json\": Permission denied", "TRANSIENT"],
    ["TransactionContext Error: Catalog write-write conflict on alter with \"t\"", "TRANSIENT"],
    ["Something nobody has seen before", "TRANSIENT"],
  ] as const)("%s → %s", (message, kind) => {
    expect(failureKindOf(message)).toBe(kind);
  });
});
