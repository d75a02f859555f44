// Numbers for people: counts with separators, sizes in decimal units, durations in ms/s/min/h.
// A fixed locale keeps the server's HTML and the browser's first render equal.

const counts = new Intl.NumberFormat("en-US");

/** e.g. 1,234 */
export function formatCount(value: number): string {
  return counts.format(value);
}

const BYTE_UNITS = ["B", "kB", "MB", "GB", "TB", "PB"] as const;

/** e.g. 512 B, 12.3 MB, 140 GB (powers of 1000, as storage consoles show them). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${formatCount(bytes)} B`;
  let value = bytes;
  let unit = 0;
  // Round before choosing the unit, so 999,960 bytes reads 1.0 MB and not 1000 kB.
  while (unit < BYTE_UNITS.length - 1 && Number(value.toFixed(value < 100 ? 1 : 0)) >= 1000) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(value < 100 ? 1 : 0)} ${BYTE_UNITS[unit]}`;
}

/** e.g. 320 ms, 2.4 s, 3 min 12 s, 1 h 5 min. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 59_950) return `${(ms / 1000).toFixed(1)} s`;
  const totalSeconds = Math.round(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (hours > 0) return minutes > 0 ? `${hours} h ${minutes} min` : `${hours} h`;
  return seconds > 0 ? `${minutes} min ${seconds} s` : `${minutes} min`;
}
