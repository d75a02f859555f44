// SourceError is recognised across copies of its module: Next's bundles each load their own,
// while the runtime's source factory (one per process) throws from whichever loaded it first.
import { describe, expect, it, vi } from "vitest";

describe("SourceError across module copies", () => {
  it("is an instance of every copy of the class, and other errors are not", async () => {
    const first = await import("./source");
    vi.resetModules();
    const second = await import("./source");
    expect(second.SourceError).not.toBe(first.SourceError);

    const thrown = new first.SourceError("NOT_GRANTED", "outside the allowed roots");
    expect(thrown instanceof second.SourceError).toBe(true);
    expect(thrown instanceof Error).toBe(true);
    expect(new Error("plain") instanceof second.SourceError).toBe(false);
    expect({ name: "SourceError", code: "NOT_FOUND" } instanceof second.SourceError).toBe(false);
  });
});
