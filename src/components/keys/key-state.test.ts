import { describe, expect, it } from "vitest";
import { keyState } from "./key-state";

describe("keyState", () => {
  const now = new Date("2026-11-22T12:00:00.000Z");
  it("is revoked, expired (from its expiry on) or active", () => {
    expect(keyState({ revokedAt: null, expiresAt: null }, now)).toBe("active");
    expect(keyState({ revokedAt: null, expiresAt: new Date(now.getTime() + 1) }, now)).toBe("active");
    expect(keyState({ revokedAt: null, expiresAt: now }, now)).toBe("expired");
    expect(keyState({ revokedAt: now, expiresAt: new Date(now.getTime() - 1) }, now)).toBe("revoked");
  });
});
