"use client";
// Run times to the second (runs often start and end within a minute), in the viewer's zone
// after hydration and in UTC before, like <DateTime>.
import { browserTimeZone, useHydrated } from "@/components/date-time";

const formats = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-GB", {
      timeZone,
      year: "numeric",
      month: "short",
      day: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
      timeZoneName: "short",
    });
    formats.set(timeZone, f);
  }
  return f;
}

export function RunTime({ value, empty = "—" }: { value: Date | null; empty?: string }) {
  const hydrated = useHydrated();
  if (!value) return <span className="muted">{empty}</span>;
  return (
    <time dateTime={value.toISOString()} title={value.toISOString()}>
      {formatter(hydrated ? browserTimeZone() : "UTC").format(value)}
    </time>
  );
}
