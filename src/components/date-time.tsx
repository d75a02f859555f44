"use client";
// Dates for people. A fixed locale keeps the server's HTML and the browser's first render equal;
// times without a zone of their own show in UTC until hydration, then in the viewer's zone.
import { useSyncExternalStore } from "react";

const LOCALE = "en-GB";

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * e.g. "12 May 2026, 14:30 CEST": a date and a 24-hour time in the given IANA zone; with
 * `seconds`, "12 May 2026, 14:30:05 CEST"; with `weekday`, "Tue, 12 May 2026, 14:30 CEST".
 */
export function formatInTimeZone(date: Date, timeZone: string, { seconds = false, weekday = false } = {}): string {
  const key = `${timeZone} ${seconds} ${weekday}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(LOCALE, {
      timeZone,
      weekday: weekday ? "short" : undefined,
      year: "numeric",
      month: "short",
      day: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      second: seconds ? "2-digit" : undefined,
      hourCycle: "h23",
      timeZoneName: "short",
    });
    formatters.set(key, formatter);
  }
  return formatter.format(date);
}

const subscribeNever = () => () => undefined;

/** False during server rendering and hydration, true afterwards. */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    subscribeNever,
    () => true,
    () => false,
  );
}

export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

/**
 * A <time> element; in `timeZone` when given, otherwise in the viewer's own zone. `seconds` for
 * times to the second (runs often start and end within a minute).
 */
export function DateTime({
  value,
  timeZone,
  empty = "—",
  seconds = false,
}: {
  value: Date | null;
  timeZone?: string;
  empty?: string;
  seconds?: boolean;
}) {
  const hydrated = useHydrated();
  if (!value) return <span className="muted">{empty}</span>;
  const zone = timeZone ?? (hydrated ? browserTimeZone() : "UTC");
  return (
    <time dateTime={value.toISOString()} title={value.toISOString()}>
      {formatInTimeZone(value, zone, { seconds })}
    </time>
  );
}
