// Schedules on the server: the columns they are stored in, the cron expression a schedule stands
// for and its next fire times in its own time zone. Pure; cron arithmetic is croner's. What the
// form shares (validation, a sentence for people) is in shared/schedule.ts.
import { Cron } from "croner";
import { cronError, HH_MM, isValidTimeZone, type Schedule, type ScheduleFrequencyInput } from "@/shared/schedule";

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
