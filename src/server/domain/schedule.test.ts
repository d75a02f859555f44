import { describe, expect, it, vi } from "vitest";
import {
  cronError,
  describeSchedule,
  isValidTimeZone,
  nextFireTimes,
  nextRunAt,
  type Schedule,
  scheduleToCron,
} from "./schedule";

/** A warn callback that records what it is told. */
function recorder() {
  const messages: string[] = [];
  return { messages, warn: (m: string) => void messages.push(m) };
}

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

const FIVE_FIELDS =
  'A custom schedule needs a 5-field cron expression (minute hour day-of-month month day-of-week), e.g. "*/15 * * * *"; got';

describe("scheduleToCron", () => {
  it.each<[string, Schedule, string | null]>([
    ["manual only", { frequency: "NONE", timezone: "UTC" }, null],
    ["hourly", { frequency: "HOURLY", timezone: "UTC" }, "0 * * * *"],
    ["hourly ignores a leftover time", { frequency: "HOURLY", time: "14:30", weekday: 3, timezone: "UTC" }, "0 * * * *"],
    ["daily without a time", { frequency: "DAILY", timezone: "UTC" }, "0 0 * * *"],
    ["daily with an empty time", { frequency: "DAILY", time: "", timezone: "UTC" }, "0 0 * * *"],
    ["daily at 14:30", { frequency: "DAILY", time: "14:30", timezone: "Europe/Berlin" }, "30 14 * * *"],
    ["daily at 00:05", { frequency: "DAILY", time: "00:05", timezone: "UTC" }, "5 0 * * *"],
    ["daily at 23:59", { frequency: "DAILY", time: "23:59", timezone: "UTC" }, "59 23 * * *"],
    ["weekly by default", { frequency: "WEEKLY", timezone: "UTC" }, "0 0 * * 0"],
    ["weekly on Wednesday at 09:05", { frequency: "WEEKLY", weekday: 3, time: "09:05", timezone: "UTC" }, "5 9 * * 3"],
    ["weekly on Saturday at 18:00", { frequency: "WEEKLY", weekday: 6, time: "18:00", timezone: "UTC" }, "0 18 * * 6"],
    ["custom", { frequency: "CUSTOM", cron: "*/15 * * * *", timezone: "UTC" }, "*/15 * * * *"],
    ["custom with extra spaces", { frequency: "CUSTOM", cron: "  0   6 * *  1-5 ", timezone: "UTC" }, "0 6 * * 1-5"],
  ])("%s", (_label, schedule, expected) => {
    const { messages, warn } = recorder();
    expect(scheduleToCron(schedule, warn)).toBe(expected);
    expect(messages).toEqual([]);
  });

  it.each(["25:99", "7:5", "24:00", "noon", "14:30:00"])("falls back to midnight for the stored time %j and warns", (time) => {
    const { messages, warn } = recorder();
    expect(scheduleToCron({ frequency: "DAILY", time, timezone: "UTC" }, warn)).toBe("0 0 * * *");
    expect(messages).toEqual([`Stored schedule time "${time}" is not HH:MM; using 00:00`]);
  });

  it("warns on the console when no callback is given", () => {
    const spy = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      expect(scheduleToCron({ frequency: "DAILY", time: "25:99", timezone: "UTC" })).toBe("0 0 * * *");
      expect(spy.mock.calls).toEqual([['Stored schedule time "25:99" is not HH:MM; using 00:00']]);
    } finally {
      spy.mockRestore();
    }
  });

  it("keeps a weekly day when only the stored time is invalid", () => {
    const { messages, warn } = recorder();
    expect(scheduleToCron({ frequency: "WEEKLY", weekday: 5, time: "25:99", timezone: "UTC" }, warn)).toBe("0 0 * * 5");
    expect(messages).toEqual(['Stored schedule time "25:99" is not HH:MM; using 00:00']);
  });

  it.each([7, -1, 1.5])("falls back to Sunday for the stored weekday %j and warns", (weekday) => {
    const { messages, warn } = recorder();
    expect(scheduleToCron({ frequency: "WEEKLY", weekday, time: "09:05", timezone: "UTC" }, warn)).toBe("5 9 * * 0");
    expect(messages).toEqual([`Stored schedule weekday ${weekday} is not 0–6; using Sunday`]);
  });

  it("treats an invalid stored custom cron as manual-only and warns", () => {
    const { messages, warn } = recorder();
    expect(scheduleToCron({ frequency: "CUSTOM", cron: "61 * * * *", timezone: "UTC" }, warn)).toBeNull();
    expect(messages).toEqual([
      'Invalid cron expression "61 * * * *": Invalid value for minute: 61; the schedule is treated as manual-only',
    ]);
  });

  it("treats a missing custom cron as manual-only and warns", () => {
    const { messages, warn } = recorder();
    expect(scheduleToCron({ frequency: "CUSTOM", cron: null, timezone: "UTC" }, warn)).toBeNull();
    expect(messages).toEqual([`${FIVE_FIELDS} nothing; the schedule is treated as manual-only`]);
  });
});

describe("cronError", () => {
  it.each(["*/15 * * * *", "0 0 * * *", "0 9 * * 1-5", "30 2 1 * *", "0 0 29 2 *", "0 12 * JAN,JUL MON", "  5  4 * * *  "])(
    "accepts %j",
    (expr) => {
      expect(cronError(expr)).toBeNull();
    },
  );

  it.each([
    ["", `${FIVE_FIELDS} nothing`],
    ["   ", `${FIVE_FIELDS} nothing`],
    ["@daily", `${FIVE_FIELDS} 1 field(s)`],
    ["* * * *", `${FIVE_FIELDS} 4 field(s)`],
    ["0 0 * * * *", `${FIVE_FIELDS} 6 field(s)`],
    ["61 * * * *", 'Invalid cron expression "61 * * * *": Invalid value for minute: 61'],
    ["0 25 * * *", 'Invalid cron expression "0 25 * * *": Invalid value for hour: 25'],
    [" 61 * * * * ", 'Invalid cron expression "61 * * * *": Invalid value for minute: 61'],
    ["0 0 30 2 *", 'The cron expression "0 0 30 2 *" never fires'],
    ["0 0 31 4 *", 'The cron expression "0 0 31 4 *" never fires'],
  ])("rejects %j", (expr, message) => {
    expect(cronError(expr)).toBe(message);
  });

  it("rejects words that are not cron fields, naming the expression", () => {
    expect(cronError("a b c d e")).toMatch(/^Invalid cron expression "a b c d e": /);
  });
});

describe("isValidTimeZone", () => {
  it.each(["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"])("accepts %j", (tz) => {
    expect(isValidTimeZone(tz)).toBe(true);
  });

  it.each(["", "   ", "Mars/Base", "Europe/Atlantis", "GMT+25", "not a zone"])("rejects %j", (tz) => {
    expect(isValidTimeZone(tz)).toBe(false);
  });
});

describe("nextFireTimes", () => {
  it("fires daily at 14:30 New York time across the March 2026 DST change", () => {
    // 14:30 EST (UTC−5) on 7 March; DST starts 8 March 2026, so 14:30 EDT (UTC−4) from then on.
    const schedule: Schedule = { frequency: "DAILY", time: "14:30", timezone: "America/New_York" };
    expect(iso(nextFireTimes(schedule, new Date("2026-03-07T12:00:00Z"), 3))).toEqual([
      "2026-03-07T19:30:00.000Z",
      "2026-03-08T18:30:00.000Z",
      "2026-03-09T18:30:00.000Z",
    ]);
  });

  it("returns fire times strictly after `from`", () => {
    const schedule: Schedule = { frequency: "DAILY", time: "14:30", timezone: "America/New_York" };
    expect(iso(nextFireTimes(schedule, new Date("2026-03-07T19:30:00Z"), 1))).toEqual(["2026-03-08T18:30:00.000Z"]);
  });

  it("fires once, not twice, on the night the clocks go back (1 November 2026 in New York)", () => {
    // 01:30 happens twice that night (05:30Z in EDT, 06:30Z in EST); a daily schedule runs once.
    const schedule: Schedule = { frequency: "DAILY", time: "01:30", timezone: "America/New_York" };
    expect(iso(nextFireTimes(schedule, new Date("2026-10-31T00:00:00Z"), 3))).toEqual([
      "2026-10-31T05:30:00.000Z",
      "2026-11-01T05:30:00.000Z",
      "2026-11-02T06:30:00.000Z",
    ]);
  });

  it("still fires on the day the clocks go forward when the time falls in the gap", () => {
    // 02:30 does not exist in New York on 8 March 2026; the run happens at 03:00 EDT instead of being lost.
    const schedule: Schedule = { frequency: "DAILY", time: "02:30", timezone: "America/New_York" };
    expect(iso(nextFireTimes(schedule, new Date("2026-03-07T00:00:00Z"), 3))).toEqual([
      "2026-03-07T07:30:00.000Z",
      "2026-03-08T07:00:00.000Z",
      "2026-03-09T06:30:00.000Z",
    ]);
  });

  it("fires weekly on the day and time in the schedule's zone", () => {
    // 1 January 2026 is a Thursday; the next Wednesdays are 7 and 14 January; Berlin is UTC+1 in winter.
    const schedule: Schedule = { frequency: "WEEKLY", weekday: 3, time: "09:05", timezone: "Europe/Berlin" };
    expect(iso(nextFireTimes(schedule, new Date("2026-01-01T00:00:00Z"), 2))).toEqual([
      "2026-01-07T08:05:00.000Z",
      "2026-01-14T08:05:00.000Z",
    ]);
  });

  it("fires hourly on the hour", () => {
    const schedule: Schedule = { frequency: "HOURLY", timezone: "UTC" };
    expect(iso(nextFireTimes(schedule, new Date("2026-05-01T10:59:59Z"), 3))).toEqual([
      "2026-05-01T11:00:00.000Z",
      "2026-05-01T12:00:00.000Z",
      "2026-05-01T13:00:00.000Z",
    ]);
  });

  it("follows a custom cron", () => {
    const schedule: Schedule = { frequency: "CUSTOM", cron: "*/15 * * * *", timezone: "UTC" };
    expect(iso(nextFireTimes(schedule, new Date("2026-01-01T00:07:00Z"), 3))).toEqual([
      "2026-01-01T00:15:00.000Z",
      "2026-01-01T00:30:00.000Z",
      "2026-01-01T00:45:00.000Z",
    ]);
  });

  it("has no fire times for a manual-only schedule", () => {
    expect(nextFireTimes({ frequency: "NONE", timezone: "UTC" }, new Date("2026-01-01T00:00:00Z"), 3)).toEqual([]);
  });

  it("has no fire times for an unknown time zone", () => {
    expect(nextFireTimes({ frequency: "HOURLY", timezone: "Mars/Base" }, new Date("2026-01-01T00:00:00Z"), 3)).toEqual([]);
  });

  it("has no fire times for an invalid stored cron, and says why", () => {
    const { messages, warn } = recorder();
    const schedule: Schedule = { frequency: "CUSTOM", cron: "0 0 30 2 *", timezone: "UTC" };
    expect(nextFireTimes(schedule, new Date("2026-01-01T00:00:00Z"), 3, warn)).toEqual([]);
    expect(messages).toEqual(['The cron expression "0 0 30 2 *" never fires; the schedule is treated as manual-only']);
  });
});

describe("nextRunAt", () => {
  it("is the first fire time", () => {
    const schedule: Schedule = { frequency: "DAILY", time: "14:30", timezone: "America/New_York" };
    expect(nextRunAt(schedule, new Date("2026-03-07T20:00:00Z"))?.toISOString()).toBe("2026-03-08T18:30:00.000Z");
  });

  it("is null for a manual-only schedule", () => {
    expect(nextRunAt({ frequency: "NONE", timezone: "UTC" }, new Date("2026-01-01T00:00:00Z"))).toBeNull();
  });
});

describe("describeSchedule", () => {
  it.each<[Schedule, string]>([
    [{ frequency: "NONE", timezone: "UTC" }, "Manual only"],
    [{ frequency: "HOURLY", timezone: "UTC" }, "Every hour, on the hour (UTC)"],
    [{ frequency: "HOURLY", timezone: "Asia/Tokyo" }, "Every hour, on the hour (Asia/Tokyo)"],
    [{ frequency: "DAILY", time: "14:30", timezone: "Europe/Berlin" }, "Daily at 14:30 (Europe/Berlin)"],
    [{ frequency: "DAILY", timezone: "UTC" }, "Daily at 00:00 (UTC)"],
    [{ frequency: "DAILY", time: "25:99", timezone: "UTC" }, "Daily at 00:00 (UTC)"],
    [{ frequency: "WEEKLY", weekday: 3, time: "09:05", timezone: "America/New_York" }, "Weekly on Wednesday at 09:05 (America/New_York)"],
    [{ frequency: "WEEKLY", timezone: "UTC" }, "Weekly on Sunday at 00:00 (UTC)"],
    [{ frequency: "WEEKLY", weekday: 6, time: "18:00", timezone: "UTC" }, "Weekly on Saturday at 18:00 (UTC)"],
    [{ frequency: "WEEKLY", weekday: 9, time: "18:00", timezone: "UTC" }, "Weekly on Sunday at 18:00 (UTC)"],
    [{ frequency: "CUSTOM", cron: "*/15 * * * *", timezone: "UTC" }, 'Cron "*/15 * * * *" (UTC)'],
  ])("describes %j as %j", (schedule, sentence) => {
    expect(describeSchedule(schedule)).toBe(sentence);
  });
});
