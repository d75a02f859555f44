import { describe, expect, it } from "vitest";
import { ingestionView } from "@/shared/contracts/ingestions";
import { toIngestionView, type IngestionRow } from "./ingestion-view";

// 22 November 2026, 12:00Z is a Sunday; Berlin is on CET (UTC+1), so 14:30 there is 13:30Z.
const NOW = new Date("2026-11-22T12:00:00.000Z");

function row(overrides: Partial<IngestionRow> = {}): IngestionRow {
  return {
    id: "0193a1b2-0000-7000-8000-000000000001",
    name: "orders",
    description: null,
    status: "ACTIVE",
    tenantId: "0193a1b2-0000-7000-8000-0000000000aa",
    sourceType: "LOCAL",
    connectionId: "0193a1b2-0000-7000-8000-0000000000cc",
    connection: { id: "0193a1b2-0000-7000-8000-0000000000cc", name: "files", type: "LOCAL" },
    sourcePath: "orders",
    sourceUri: "/data/orders",
    sourceGlob: null,
    sourceModifiedAfter: null,
    listingMode: "FULL",
    fullListingEveryHours: 24,
    listingHighWaterPath: null,
    lastFullListingAt: null,
    format: "JSON",
    formatOptions: { layout: "AUTO", compression: "AUTO" },
    destinationSchema: "raw",
    destinationTable: "orders",
    partitionColumns: [],
    evolutionMode: "ADD_NEW_COLUMNS",
    schemaHints: {},
    scheduleFrequency: "DAILY",
    scheduleTime: "14:30",
    scheduleWeekday: null,
    scheduleCron: null,
    scheduleTimezone: "Europe/Berlin",
    nextRunAt: new Date("2026-11-22T13:30:00.000Z"),
    maxFilesPerRun: null,
    maxBytesPerRun: null,
    alertRecipients: [],
    lastRunAt: null,
    lastRunStatus: null,
    createdAt: NOW,
    updatedAt: NOW,
    ...overrides,
  };
}

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe("toIngestionView schedule.upcoming", () => {
  it("lists the next five fire times from now in the schedule's zone", () => {
    const view = toIngestionView(row(), NOW);
    expect(iso(view.schedule.upcoming)).toEqual([
      "2026-11-22T13:30:00.000Z",
      "2026-11-23T13:30:00.000Z",
      "2026-11-24T13:30:00.000Z",
      "2026-11-25T13:30:00.000Z",
      "2026-11-26T13:30:00.000Z",
    ]);
    expect(ingestionView.parse(view)).toEqual(view);
  });

  it("starts after now, not at the stored next run", () => {
    // The stored next run is stale (the scheduler was down); the list still looks forward from now.
    const now = new Date("2026-11-25T15:00:00.000Z");
    const view = toIngestionView(row(), now);
    expect(view.schedule.nextRunAt).toEqual(new Date("2026-11-22T13:30:00.000Z"));
    expect(iso(view.schedule.upcoming).slice(0, 2)).toEqual(["2026-11-26T13:30:00.000Z", "2026-11-27T13:30:00.000Z"]);
  });

  it("follows the zone's clock change", () => {
    // Weekly, Sunday 10:00 Berlin from 15 March 2026: CET (09:00Z) until the change on 29 March,
    // CEST (08:00Z) from then on.
    const view = toIngestionView(
      row({ scheduleFrequency: "WEEKLY", scheduleWeekday: 0, scheduleTime: "10:00" }),
      new Date("2026-03-15T12:00:00.000Z"),
    );
    expect(iso(view.schedule.upcoming)).toEqual([
      "2026-03-22T09:00:00.000Z",
      "2026-03-29T08:00:00.000Z",
      "2026-04-05T08:00:00.000Z",
      "2026-04-12T08:00:00.000Z",
      "2026-04-19T08:00:00.000Z",
    ]);
  });

  it("is empty for a paused ingestion", () => {
    expect(toIngestionView(row({ status: "PAUSED", nextRunAt: null }), NOW).schedule.upcoming).toEqual([]);
  });

  it("is empty for a manual-only ingestion", () => {
    const view = toIngestionView(row({ scheduleFrequency: null, scheduleTime: null, scheduleTimezone: "UTC", nextRunAt: null }), NOW);
    expect(view.schedule).toMatchObject({ frequency: "NONE", description: "Manual only", upcoming: [] });
  });

  it("shows the midnight a bad stored time falls back to, as the scheduler runs it", () => {
    const view = toIngestionView(row({ scheduleTime: "25:99" }), NOW);
    // Midnight in Berlin is 23:00Z the day before.
    expect(iso(view.schedule.upcoming).slice(0, 2)).toEqual(["2026-11-22T23:00:00.000Z", "2026-11-23T23:00:00.000Z"]);
  });
});

describe("toIngestionView source", () => {
  it("names the connection it reads through, the path inside it and the full location", () => {
    expect(toIngestionView(row(), NOW).source).toEqual({
      type: "LOCAL",
      connection: { id: "0193a1b2-0000-7000-8000-0000000000cc", name: "files", type: "LOCAL" },
      path: "orders",
      uri: "/data/orders",
      glob: null,
      modifiedAfter: null,
    });
  });
});
