import { describe, expect, it } from "vitest";
import { DomainError } from "./errors";
import {
  ACTIVE_RUN_STATUSES,
  assertRunTransition,
  FINAL_RUN_STATUSES,
  nextIngestionStatus,
  type RunStatusValue,
} from "./status-transitions";

/** The DomainError `fn` throws, or a failure if it throws nothing or something else. */
function domainErrorOf(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error("Expected a DomainError, but nothing was thrown");
}

describe("nextIngestionStatus", () => {
  it("pauses an active ingestion", () => {
    expect(nextIngestionStatus("ACTIVE", "pause", "Orders")).toBe("PAUSED");
  });

  it("resumes a paused ingestion", () => {
    expect(nextIngestionStatus("PAUSED", "resume", "Orders")).toBe("ACTIVE");
  });

  it("refuses to pause a paused ingestion, naming it", () => {
    const error = domainErrorOf(() => nextIngestionStatus("PAUSED", "pause", "Orders"));
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.message).toBe("Ingestion 'Orders' is already paused");
  });

  it("refuses to resume an active ingestion, naming it", () => {
    const error = domainErrorOf(() => nextIngestionStatus("ACTIVE", "resume", "Nightly events"));
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.message).toBe("Ingestion 'Nightly events' is already active");
  });
});

describe("run statuses", () => {
  it("splits statuses into active and final", () => {
    expect(ACTIVE_RUN_STATUSES).toEqual(["QUEUED", "RUNNING"]);
    expect(FINAL_RUN_STATUSES).toEqual(["SUCCEEDED", "PARTIAL", "NO_NEW_FILES", "FAILED", "CANCELLED"]);
  });
});

describe("assertRunTransition", () => {
  it.each<[RunStatusValue, RunStatusValue]>([
    ["QUEUED", "RUNNING"],
    ["QUEUED", "FAILED"],
    ["RUNNING", "SUCCEEDED"],
    ["RUNNING", "PARTIAL"],
    ["RUNNING", "NO_NEW_FILES"],
    ["RUNNING", "FAILED"],
    ["QUEUED", "CANCELLED"],
    ["RUNNING", "CANCELLED"],
  ])("allows %s → %s", (from, to) => {
    expect(() => assertRunTransition(from, to)).not.toThrow();
  });

  it.each<[RunStatusValue, RunStatusValue]>([
    ["QUEUED", "QUEUED"],
    ["QUEUED", "SUCCEEDED"],
    ["QUEUED", "PARTIAL"],
    ["QUEUED", "NO_NEW_FILES"],
    ["RUNNING", "QUEUED"],
    ["RUNNING", "RUNNING"],
  ])("refuses %s → %s for an unfinished run", (from, to) => {
    const error = domainErrorOf(() => assertRunTransition(from, to));
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.message).toBe(`A ${from} run cannot become ${to}`);
  });

  const everyStatus: RunStatusValue[] = ["QUEUED", "RUNNING", "SUCCEEDED", "PARTIAL", "NO_NEW_FILES", "FAILED", "CANCELLED"];
  const fromFinal = FINAL_RUN_STATUSES.flatMap((from) => everyStatus.map((to): [RunStatusValue, RunStatusValue] => [from, to]));

  it.each(fromFinal)("refuses %s → %s because the run already finished", (from, to) => {
    const error = domainErrorOf(() => assertRunTransition(from, to));
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.message).toBe(`The run already finished as ${from}; it cannot become ${to}`);
  });
});
