import { describe, expect, it } from "vitest";
import { partitionBatches, runStatusFrom, stoppedRunStatusFrom } from "./run-outcome";

describe("runStatusFrom", () => {
  it("is NO_NEW_FILES when no file loaded or failed (nothing claimed, or only files gone from the source)", () => {
    expect(runStatusFrom({ loaded: 0, failed: 0 })).toBe("NO_NEW_FILES");
  });

  it("is SUCCEEDED when no file failed", () => {
    expect(runStatusFrom({ loaded: 3, failed: 0 })).toBe("SUCCEEDED");
    expect(runStatusFrom({ loaded: 1, failed: 0 })).toBe("SUCCEEDED");
  });

  it("is FAILED when files failed and none loaded", () => {
    expect(runStatusFrom({ loaded: 0, failed: 2 })).toBe("FAILED");
    expect(runStatusFrom({ loaded: 0, failed: 1 })).toBe("FAILED");
  });

  it("is PARTIAL when some loaded and some failed", () => {
    expect(runStatusFrom({ loaded: 4, failed: 1 })).toBe("PARTIAL");
    expect(runStatusFrom({ loaded: 1, failed: 4 })).toBe("PARTIAL");
  });
});

describe("stoppedRunStatusFrom (a run whose process died)", () => {
  it("is SUCCEEDED when every file it held loaded", () => {
    expect(stoppedRunStatusFrom({ loaded: 4, failed: 0, unfinished: 0 })).toBe("SUCCEEDED");
  });

  it("is PARTIAL when some loaded and others failed or were left unfinished", () => {
    expect(stoppedRunStatusFrom({ loaded: 4, failed: 0, unfinished: 2 })).toBe("PARTIAL");
    expect(stoppedRunStatusFrom({ loaded: 1, failed: 1, unfinished: 0 })).toBe("PARTIAL");
  });

  it("is FAILED when nothing loaded, even when it held nothing (it never finished)", () => {
    expect(stoppedRunStatusFrom({ loaded: 0, failed: 0, unfinished: 3 })).toBe("FAILED");
    expect(stoppedRunStatusFrom({ loaded: 0, failed: 2, unfinished: 0 })).toBe("FAILED");
    expect(stoppedRunStatusFrom({ loaded: 0, failed: 0, unfinished: 0 })).toBe("FAILED");
  });
});

const f = (id: string, size: number) => ({ id, size });
const ids = (batches: { id: string }[][]) => batches.map((b) => b.map((x) => x.id));

describe("partitionBatches", () => {
  it("returns no batches for no files", () => {
    expect(partitionBatches([], 10, 100)).toEqual([]);
  });

  it("splits by file count, keeping the order", () => {
    const files = ["a", "b", "c", "d", "e"].map((id) => f(id, 1));
    expect(ids(partitionBatches(files, 2, 1_000))).toEqual([["a", "b"], ["c", "d"], ["e"]]);
  });

  it("keeps everything in one batch when it fits both limits", () => {
    const files = ["a", "b", "c"].map((id) => f(id, 10));
    expect(ids(partitionBatches(files, 3, 30))).toEqual([["a", "b", "c"]]);
  });

  it("splits by bytes: a file that would pass the limit starts the next batch", () => {
    const files = [f("a", 40), f("b", 40), f("c", 30), f("d", 10)];
    expect(ids(partitionBatches(files, 100, 100))).toEqual([["a", "b"], ["c", "d"]]);
  });

  it("a batch may reach the byte limit exactly", () => {
    expect(ids(partitionBatches([f("a", 50), f("b", 50), f("c", 1)], 100, 100))).toEqual([["a", "b"], ["c"]]);
  });

  it("gives a file bigger than the byte limit a batch of its own", () => {
    const files = [f("small", 10), f("huge", 500), f("after", 10)];
    expect(ids(partitionBatches(files, 100, 100))).toEqual([["small"], ["huge"], ["after"]]);
    expect(ids(partitionBatches([f("huge", 500)], 100, 100))).toEqual([["huge"]]);
  });

  it("applies whichever limit is reached first", () => {
    const files = [f("a", 10), f("b", 10), f("c", 90), f("d", 1), f("e", 1), f("g", 1)];
    expect(ids(partitionBatches(files, 2, 100))).toEqual([["a", "b"], ["c", "d"], ["e", "g"]]);
  });

  it("counts zero-byte files against the file limit only", () => {
    const files = ["a", "b", "c"].map((id) => f(id, 0));
    expect(ids(partitionBatches(files, 2, 1))).toEqual([["a", "b"], ["c"]]);
  });
});
