// Schedules on the server: the columns they are stored in, the cron expression a schedule stands
// for and its next fire times in its own time zone. Pure (fire times are memoized per expression
// and zone: see nextFireTimes); cron arithmetic is croner's. What the form shares (validation, a
// sentence for people) is in shared/schedule.ts.
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

/** cronError of stored expressions, remembered: checking one builds a Cron and runs it (~100 µs). */
const cronErrors = new Map<string, string | null>();
const CRON_ERRORS_KEPT = 2000;

function storedCronError(expr: string): string | null {
  const known = cronErrors.get(expr);
  if (known !== undefined) return known;
  const error = cronError(expr);
  if (cronErrors.size >= CRON_ERRORS_KEPT) cronErrors.clear();
  cronErrors.set(expr, error);
  return error;
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
      const error = storedCronError(expr);
      if (error) {
        warn(`${error}; the schedule is treated as manual-only`);
        return null;
      }
      return expr;
    }
  }
}

/**
 * Fire times already computed, per cron expression and zone: the sequence after `from` (epoch ms,
 * ascending; `exhausted` when croner had no more). Croner costs 100–400 µs a call (it walks the
 * calendar through Intl in the zone), and lists, the scheduler and every view ask for the same few
 * schedules again and again; the times after a later instant are a tail of the same sequence, so an
 * entry serves until fewer than the times asked for are left after `from`.
 */
interface FireTimes {
  from: number;
  times: number[];
  exhausted: boolean;
}
const fireTimes = new Map<string, FireTimes>();
/** Distinct (expression, zone) pairs kept; the least recently used goes first. */
const FIRE_TIMES_KEPT = 2000;
/** Computed at least this many at a time, so a single next-run also fills a view's upcoming list. */
const FIRE_TIMES_AHEAD = 5;

function cachedFireTimes(expr: string, timezone: string, from: number, count: number): number[] | null {
  const key = `${timezone} ${expr}`;
  const entry = fireTimes.get(key);
  if (!entry || entry.from > from) return null;
  let i = 0;
  while (i < entry.times.length && (entry.times[i] as number) <= from) i += 1;
  if (entry.times.length - i < count && !entry.exhausted) return null;
  // Most recently used last: the map's first key is the one to evict.
  fireTimes.delete(key);
  fireTimes.set(key, entry);
  return entry.times.slice(i, i + count);
}

function computeFireTimes(expr: string, timezone: string, from: number, count: number): number[] {
  const wanted = Math.max(count, FIRE_TIMES_AHEAD);
  // An invalid zone never fires (the API refuses one; a stored one is treated as manual-only).
  const times = isValidTimeZone(timezone)
    ? new Cron(expr, { paused: true, timezone }).nextRuns(wanted, new Date(from)).map((d) => d.getTime())
    : [];
  const key = `${timezone} ${expr}`;
  fireTimes.delete(key);
  fireTimes.set(key, { from, times, exhausted: times.length < wanted });
  if (fireTimes.size > FIRE_TIMES_KEPT) {
    const oldest = fireTimes.keys().next().value;
    if (oldest !== undefined) fireTimes.delete(oldest);
  }
  return times.slice(0, count);
}

/** The next `count` fire times strictly after `from`, computed in the schedule's time zone. */
export function nextFireTimes(s: Schedule, from: Date, count: number, warn?: (m: string) => void): Date[] {
  // Always derived anew (cheap string work), so a bad stored value is reported on every use.
  const expr = scheduleToCron(s, warn);
  if (expr === null || count <= 0) return [];
  const at = from.getTime();
  const times = cachedFireTimes(expr, s.timezone, at, count) ?? computeFireTimes(expr, s.timezone, at, count);
  return times.map((t) => new Date(t));
}

export function nextRunAt(s: Schedule, from: Date, warn?: (m: string) => void): Date | null {
  return nextFireTimes(s, from, 1, warn)[0] ?? null;
}
