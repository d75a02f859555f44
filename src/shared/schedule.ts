// Schedules as the API and the dashboard's form share them: the frequencies, validation of a time
// zone and a cron expression, and a sentence for people. Pure; cron parsing is croner's.
import { Cron } from "croner";
import { ScheduleFrequency } from "@/generated/prisma/enums";

/** "NONE" (manual only) is no database value: the column is null then. */
export const SCHEDULE_FREQUENCIES = ["NONE", ...Object.values(ScheduleFrequency)] as const;
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
