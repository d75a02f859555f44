import { describe, expect, it } from "vitest";
import { uuid7 } from "./uuid7";

describe("uuid7", () => {
  it("is a version-7, RFC-variant UUID carrying the millisecond timestamp", () => {
    const id = uuid7(0x0190_1234_5678);
    expect(id).toMatch(/^01901234-5678-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("sorts by time across milliseconds, and differs within one", () => {
    const a = uuid7(1_700_000_000_000);
    const b = uuid7(1_700_000_000_001);
    expect(a < b).toBe(true);
    expect(uuid7(5)).not.toBe(uuid7(5));
  });

  it("sorts ids made in one millisecond in the order they were made", () => {
    const ids = Array.from({ length: 1000 }, () => uuid7(1_800_000_000_000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(1000);
  });
});
