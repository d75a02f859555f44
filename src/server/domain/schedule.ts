// Schedules: validation, the cron expression a schedule stands for, its next fire times in its
// own time zone, and a sentence for people. Pure; cron arithmetic is croner's.
import { Cron } from "croner";

export const SCHEDULE_FREQUENCIES = ["NONE", "HOURLY", "DAILY", "WEEKLY", "CUSTOM"] as const;
export type ScheduleFrequencyInput = (typeof SCHEDULE_FREQUENCIES)[number];

export interface Schedule {
  frequency: ScheduleFrequencyInput;
  /** HH:MM, for DAILY and WEEKLY. */
  time?: string | null;
  /** 0 = Sunday … 6 = Saturday, for WEEKLY. */
  weekday?: number | null;
  cron?: string | null;
  timezone: string;
}

/** The ingestion columns a schedule is stored in (a select for queries that need only the schedule). */
export const scheduleSelect = {
  scheduleFrequency: true,
  scheduleTime: true,
  scheduleWeekday: true,
  scheduleCron: true,
  scheduleTimezone: true,
} as const;

/** A schedule as an ingestion row stores it (no frequency: manual only). */
export interface ScheduleColumns {
  scheduleFrequency: Exclude<ScheduleFrequencyInput, "NONE"> | null;
  scheduleTime: string | null;
  scheduleWeekday: number | null;
  scheduleCron: string | null;
  scheduleTimezone: string;
}

export function scheduleOf(row: ScheduleColumns): Schedule {
  return {
    frequency: row.scheduleFrequency ?? "NONE",
    time: row.scheduleTime,
    weekday: row.scheduleWeekday,
    cron: row.scheduleCron,
    timezone: row.scheduleTimezone,
  };
}

export const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] as const;
export const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function isValidTimeZone(tz: string): boolean {
  if (tz.trim() === "") return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** null when valid, otherwise a message a user can act on. */
export function cronError(expr: string): string | null {
  const fields = expr.trim().split(/\s+/);
  if (expr.trim() === "" || fields.length !== 5) {
    return `A custom schedule needs a 5-field cron expression (minute hour day-of-month month day-of-week), e.g. "*/15 * * * *"; got ${fields.length === 1 && fields[0] === "" ? "nothing" : `${fields.length} field(s)`}`;
  }
  let cron: Cron;
  try {
    cron = new Cron(fields.join(" "), { paused: true, timezone: "UTC" });
  } catch (error) {
    return `Invalid cron expression "${expr.trim()}": ${(error as Error).message.replace(/^CronPattern: /, "")}`;
  }
  if (cron.nextRun(new Date(0)) === null) return `The cron expression "${expr.trim()}" never fires`;
  return null;
}

function parseTime(time: string | null | undefined, onInvalid?: (message: string) => void) {
  if (time === null || time === undefined || time === "") return { hour: 0, minute: 0 };
  const m = HH_MM.exec(time);
  if (!m) {
    onInvalid?.(`Stored schedule time "${time}" is not HH:MM; using 00:00`);
    return { hour: 0, minute: 0 };
  }
  return { hour: Number(m[1]), minute: Number(m[2]) };
}

/**
 * The 5-field cron expression of a schedule, or null for manual-only. Invalid stored values fall
 * back to midnight / Sunday and are reported through `warn` (the API never stores them).
 */
export function scheduleToCron(s: Schedule, warn: (message: string) => void = console.warn): string | null {
  switch (s.frequency) {
    case "NONE":
      return null;
    case "HOURLY":
      return "0 * * * *";
    case "DAILY": {
      const { hour, minute } = parseTime(s.time, warn);
      return `${minute} ${hour} * * *`;
    }
    case "WEEKLY": {
      const { hour, minute } = parseTime(s.time, warn);
      let day = s.weekday ?? 0;
      if (!Number.isInteger(day) || day < 0 || day > 6) {
        warn(`Stored schedule weekday ${day} is not 0–6; using Sunday`);
        day = 0;
      }
      return `${minute} ${hour} * * ${day}`;
    }
    case "CUSTOM": {
      const expr = (s.cron ?? "").trim().split(/\s+/).join(" ");
      const error = cronError(expr);
      if (error) {
        warn(`${error}; the schedule is treated as manual-only`);
        return null;
      }
      return expr;
    }
  }
}

/** The next `count` fire times strictly after `from`, computed in the schedule's time zone. */
export function nextFireTimes(s: Schedule, from: Date, count: number, warn?: (m: string) => void): Date[] {
  const expr = scheduleToCron(s, warn);
  if (expr === null || !isValidTimeZone(s.timezone)) return [];
  return new Cron(expr, { paused: true, timezone: s.timezone }).nextRuns(count, from);
}

export function nextRunAt(s: Schedule, from: Date, warn?: (m: string) => void): Date | null {
  return nextFireTimes(s, from, 1, warn)[0] ?? null;
}

export function describeSchedule(s: Schedule): string {
  const tz = s.timezone === "UTC" ? "UTC" : s.timezone;
  const time = s.time && HH_MM.test(s.time) ? s.time : "00:00";
  switch (s.frequency) {
    case "NONE":
      return "Manual only";
    case "HOURLY":
      return `Every hour, on the hour (${tz})`;
    case "DAILY":
      return `Daily at ${time} (${tz})`;
    case "WEEKLY":
      return `Weekly on ${WEEKDAYS[s.weekday ?? 0] ?? "Sunday"} at ${time} (${tz})`;
    case "CUSTOM":
      return `Cron "${s.cron ?? ""}" (${tz})`;
  }
}
