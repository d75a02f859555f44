import { Cron } from "croner";
import { describe, expect, it, vi } from "vitest";
import { scheduleSchema } from "@/shared/contracts/ingestions";
import { cronError, describeSchedule, isValidTimeZone, type Schedule } from "@/shared/schedule";
import { nextFireTimes, nextRunAt, scheduleToCron } from "./schedule";

/** A warn callback that records what it is told. */
function recorder() {
  const messages: string[] = [];
  return { messages, warn: (m: string) => void messages.push(m) };
}

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

/** An instant as a clock on the wall in `timeZone` shows it, with the offset: "2026-03-08 03:00 GMT-04:00". */
function wallClock(timeZone: string, d: Date): string {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZoneName: "longOffset",
  }).formatToParts(d);
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute} ${p.timeZoneName}`;
}

/** `count` whole UTC hours from `first`: what an hourly schedule must give, by plain arithmetic. */
function everyHour(first: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => new Date(Date.parse(first) + i * 3_600_000).toISOString());
}

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
    ["custom on 29 February", { frequency: "CUSTOM", cron: "0 12 29 2 *", timezone: "UTC" }, "0 12 29 2 *"],
    ["custom with names", { frequency: "CUSTOM", cron: "0 12 * JAN,JUL MON", timezone: "UTC" }, "0 12 * JAN,JUL MON"],
    ["weekly on Sunday at 14:30 in Sydney", { frequency: "WEEKLY", weekday: 0, time: "14:30", timezone: "Australia/Sydney" }, "30 14 * * 0"],
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

  it("falls back for a stored time the API would have refused, and says so in both places", () => {
    // A row written before validation (or by hand) can hold "25:99": the scheduler keeps going at
    // midnight and logs why, while the API never lets such a value in.
    const { messages, warn } = recorder();
    const stored: Schedule = { frequency: "DAILY", time: "25:99", timezone: "Europe/Berlin" };
    expect(scheduleToCron(stored, warn)).toBe("0 0 * * *");
    expect(messages).toEqual(['Stored schedule time "25:99" is not HH:MM; using 00:00']);
    // Midnight in Berlin (UTC+1 in November) is 23:00Z the day before.
    expect(iso(nextFireTimes(stored, new Date("2026-11-22T12:00:00Z"), 1, warn))).toEqual(["2026-11-22T23:00:00.000Z"]);

    const parsed = scheduleSchema.safeParse({ frequency: "DAILY", time: "25:99", timezone: "Europe/Berlin" });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => [i.path.join("."), i.message])).toEqual([
      ["time", "Time must be HH:MM in 24-hour form, e.g. 14:30"],
    ]);
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

  it("answers later instants from times computed earlier exactly as a fresh computation would", () => {
    // Fire times are remembered per expression and zone; each answer must still be croner's from `from`.
    const schedule: Schedule = { frequency: "CUSTOM", cron: "0 9-17 * * 1-5", timezone: "Europe/Berlin" };
    const start = Date.parse("2026-03-27T06:00:00Z"); // a Friday, two days before Berlin's DST change
    for (let minutes = 0; minutes <= 4 * 24 * 60; minutes += 37) {
      const from = new Date(start + minutes * 60_000);
      const fresh = new Cron("0 9-17 * * 1-5", { paused: true, timezone: "Europe/Berlin" }).nextRuns(7, from);
      expect(iso(nextFireTimes(schedule, from, 7))).toEqual(iso(fresh));
      expect(iso(nextFireTimes(schedule, from, 2))).toEqual(iso(fresh.slice(0, 2)));
    }
    // Back in time (a test clock, a replay): still the times after that instant.
    expect(iso(nextFireTimes(schedule, new Date("2026-03-27T06:00:00Z"), 1))).toEqual(["2026-03-27T08:00:00.000Z"]);
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

describe("nextFireTimes across clock changes and calendars", () => {
  it("moves a daily time that falls in New York's spring-forward gap to 03:00 EDT, once", () => {
    // 8 March 2026, 02:00 EST (07:00Z) the clocks jump to 03:00 EDT, so 02:00–02:59 do not exist.
    // croner fires a time inside the gap at the first valid minute after it, 03:00 EDT = 07:00Z:
    // not 03:30 (it does not shift by the gap), and not skipped. Any minute of the gap lands there.
    const schedule: Schedule = { frequency: "DAILY", time: "02:30", timezone: "America/New_York" };
    const fires = nextFireTimes(schedule, new Date("2026-03-07T00:00:00Z"), 3);
    expect(fires.map((d) => wallClock("America/New_York", d))).toEqual([
      "2026-03-07 02:30 GMT-05:00",
      "2026-03-08 03:00 GMT-04:00",
      "2026-03-09 02:30 GMT-04:00",
    ]);
    for (const time of ["02:00", "02:59"]) {
      const s: Schedule = { frequency: "DAILY", time, timezone: "America/New_York" };
      expect(iso(nextFireTimes(s, new Date("2026-03-08T00:00:00Z"), 1))).toEqual(["2026-03-08T07:00:00.000Z"]);
    }
  });

  it("fires a daily time in New York's repeated hour once, at the first of the two", () => {
    // 1 November 2026, 02:00 EDT (06:00Z) the clocks go back to 01:00 EST, so 01:30 happens at
    // 05:30Z (EDT, UTC−4) and again at 06:30Z (EST, UTC−5). The schedule fires at the first only:
    // asked from between the two, the next fire time is the next day's.
    const schedule: Schedule = { frequency: "DAILY", time: "01:30", timezone: "America/New_York" };
    expect(iso(nextFireTimes(schedule, new Date("2026-11-01T05:30:00Z"), 2))).toEqual([
      "2026-11-02T06:30:00.000Z",
      "2026-11-03T06:30:00.000Z",
    ]);
    expect(nextFireTimes(schedule, new Date("2026-10-31T12:00:00Z"), 2).map((d) => wallClock("America/New_York", d))).toEqual([
      "2026-11-01 01:30 GMT-04:00",
      "2026-11-02 01:30 GMT-05:00",
    ]);
  });

  it("keeps a Berlin weekly schedule at its local time across the 29 March 2026 change", () => {
    // Sundays 22 March (CET, UTC+1), 29 March (the change: 02:00 CET → 03:00 CEST) and 5 April
    // (CEST, UTC+2): 10:00 local is 09:00Z, then 08:00Z twice. 02:30 does not exist on 29 March
    // and fires at 03:00 CEST = 01:00Z, like the New York gap.
    const tenOClock: Schedule = { frequency: "WEEKLY", weekday: 0, time: "10:00", timezone: "Europe/Berlin" };
    expect(iso(nextFireTimes(tenOClock, new Date("2026-03-20T00:00:00Z"), 3))).toEqual([
      "2026-03-22T09:00:00.000Z",
      "2026-03-29T08:00:00.000Z",
      "2026-04-05T08:00:00.000Z",
    ]);
    const inTheGap: Schedule = { frequency: "WEEKLY", weekday: 0, time: "02:30", timezone: "Europe/Berlin" };
    expect(iso(nextFireTimes(inTheGap, new Date("2026-03-20T00:00:00Z"), 3))).toEqual([
      "2026-03-22T01:30:00.000Z",
      "2026-03-29T01:00:00.000Z",
      "2026-04-05T00:30:00.000Z",
    ]);
  });

  it("fires hourly 23 times on New York's 23-hour day (8 March 2026)", () => {
    // The local day runs 00:00 EST (05:00Z) to midnight EDT (04:00Z on 9 March): 23 real hours,
    // one fire on each, with no fire at the missing 02:00.
    const schedule: Schedule = { frequency: "HOURLY", timezone: "America/New_York" };
    const fires = nextFireTimes(schedule, new Date("2026-03-08T04:59:59Z"), 24);
    const day = fires.filter((d) => d < new Date("2026-03-09T04:00:00Z"));
    expect(iso(day)).toEqual(everyHour("2026-03-08T05:00:00Z", 23));
    expect(day.slice(0, 4).map((d) => wallClock("America/New_York", d))).toEqual([
      "2026-03-08 00:00 GMT-05:00",
      "2026-03-08 01:00 GMT-05:00",
      "2026-03-08 03:00 GMT-04:00",
      "2026-03-08 04:00 GMT-04:00",
    ]);
  });

  it("fires hourly 25 times on New York's 25-hour day (1 November 2026), both 01:00s included", () => {
    // 00:00 EDT (04:00Z) to midnight EST (05:00Z on 2 November): 25 real hours. Unlike a daily
    // time, an hourly schedule fires in both copies of the repeated hour: every hour is an hour.
    const schedule: Schedule = { frequency: "HOURLY", timezone: "America/New_York" };
    const fires = nextFireTimes(schedule, new Date("2026-11-01T03:59:59Z"), 26);
    const day = fires.filter((d) => d < new Date("2026-11-02T05:00:00Z"));
    expect(iso(day)).toEqual(everyHour("2026-11-01T04:00:00Z", 25));
    expect(day.slice(0, 4).map((d) => wallClock("America/New_York", d))).toEqual([
      "2026-11-01 00:00 GMT-04:00",
      "2026-11-01 01:00 GMT-04:00",
      "2026-11-01 01:00 GMT-05:00",
      "2026-11-01 02:00 GMT-05:00",
    ]);
  });

  it("fires hourly on every real hour of Berlin's change days too (23 and 25)", () => {
    // 29 March 2026: 00:00 CET = 23:00Z on the 28th, to 00:00 CEST = 22:00Z on the 29th.
    // 25 October 2026: 00:00 CEST = 22:00Z on the 24th, to 00:00 CET = 23:00Z on the 25th.
    const schedule: Schedule = { frequency: "HOURLY", timezone: "Europe/Berlin" };
    const spring = nextFireTimes(schedule, new Date("2026-03-28T22:59:59Z"), 24).filter((d) => d < new Date("2026-03-29T22:00:00Z"));
    expect(iso(spring)).toEqual(everyHour("2026-03-28T23:00:00Z", 23));
    const autumn = nextFireTimes(schedule, new Date("2026-10-24T21:59:59Z"), 26).filter((d) => d < new Date("2026-10-25T23:00:00Z"));
    expect(iso(autumn)).toEqual(everyHour("2026-10-24T22:00:00Z", 25));
  });

  it("fires a 29 February schedule only in leap years", () => {
    // 2026 and 2027 have no 29 February; the next ones are 2028, 2032 and 2036.
    const schedule: Schedule = { frequency: "CUSTOM", cron: "0 12 29 2 *", timezone: "UTC" };
    expect(iso(nextFireTimes(schedule, new Date("2026-01-01T00:00:00Z"), 3))).toEqual([
      "2028-02-29T12:00:00.000Z",
      "2032-02-29T12:00:00.000Z",
      "2036-02-29T12:00:00.000Z",
    ]);
    // 2100 is divisible by 4 but not by 400: no 29 February, so 2096 is followed by 2104.
    expect(iso(nextFireTimes(schedule, new Date("2096-03-01T00:00:00Z"), 1))).toEqual(["2104-02-29T12:00:00.000Z"]);
  });

  it("follows Sydney's clock changes, which run the other way round (April back, October forward)", () => {
    // 5 April 2026, 03:00 AEDT (UTC+11) → 02:00 AEST (UTC+10): 02:30 happens twice, fires once,
    // at the first (15:30Z on the 4th). 4 October 2026, 02:00 AEST → 03:00 AEDT: 02:30 does not
    // exist and fires at 03:00 AEDT = 16:00Z on the 3rd.
    const schedule: Schedule = { frequency: "DAILY", time: "02:30", timezone: "Australia/Sydney" };
    expect(nextFireTimes(schedule, new Date("2026-04-03T00:00:00Z"), 3).map((d) => wallClock("Australia/Sydney", d))).toEqual([
      "2026-04-04 02:30 GMT+11:00",
      "2026-04-05 02:30 GMT+11:00",
      "2026-04-06 02:30 GMT+10:00",
    ]);
    expect(iso(nextFireTimes(schedule, new Date("2026-10-02T00:00:00Z"), 3))).toEqual([
      "2026-10-02T16:30:00.000Z",
      "2026-10-03T16:00:00.000Z",
      "2026-10-04T15:30:00.000Z",
    ]);
    // Monday 09:00: 30 March is still AEDT (22:00Z on the 29th); from 6 April it is AEST (23:00Z).
    const weekly: Schedule = { frequency: "WEEKLY", weekday: 1, time: "09:00", timezone: "Australia/Sydney" };
    expect(iso(nextFireTimes(weekly, new Date("2026-03-28T00:00:00Z"), 3))).toEqual([
      "2026-03-29T22:00:00.000Z",
      "2026-04-05T23:00:00.000Z",
      "2026-04-12T23:00:00.000Z",
    ]);
  });

  it("handles Lord Howe Island's half-hour change", () => {
    // 4 October 2026, 02:00 LHST (UTC+10:30) → 02:30 LHDT (UTC+11): 02:30 exists and is 15:30Z.
    const schedule: Schedule = { frequency: "DAILY", time: "02:30", timezone: "Australia/Lord_Howe" };
    expect(nextFireTimes(schedule, new Date("2026-10-02T00:00:00Z"), 3).map((d) => wallClock("Australia/Lord_Howe", d))).toEqual([
      "2026-10-03 02:30 GMT+10:30",
      "2026-10-04 02:30 GMT+11:00",
      "2026-10-05 02:30 GMT+11:00",
    ]);
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
