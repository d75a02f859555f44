import { describe, expect, it } from "vitest";
import { parseAuditFilters } from "./audit-list-query";

describe("parseAuditFilters", () => {
  it("keeps well-formed filters and drops the rest", () => {
    expect(parseAuditFilters({ action: "ingestion.delete", target: "abc", outcome: "FAILURE" })).toEqual({
      action: "ingestion.delete",
      targetId: "abc",
      outcome: "FAILURE",
    });
    expect(parseAuditFilters({ action: "DROP TABLE", target: "x".repeat(65), outcome: "maybe" })).toEqual({});
    expect(parseAuditFilters({ action: ["key", "run"] })).toEqual({ action: "key" });
  });
});
