// DomainError is recognised across copies of its module (Next loads one per bundle), so the tRPC
// error map turns a service's refusal into its code wherever the service's module came from.
import { describe, expect, it, vi } from "vitest";

describe("DomainError across module copies", () => {
  it("is an instance of every copy of the class, and other errors are not", async () => {
    const first = await import("./errors");
    vi.resetModules();
    const second = await import("./errors");
    expect(second.DomainError).not.toBe(first.DomainError);

    const thrown = new first.DomainError("CONFLICT", "busy", "name");
    expect(thrown instanceof second.DomainError).toBe(true);
    expect([thrown.code, thrown.message, thrown.field]).toEqual(["CONFLICT", "busy", "name"]);
    expect(new Error("plain") instanceof second.DomainError).toBe(false);
    expect({ name: "DomainError", code: "CONFLICT" } instanceof second.DomainError).toBe(false);
  });
});
