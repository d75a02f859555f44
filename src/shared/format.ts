// Numbers and wording for people, the same on the server (messages, cost assumptions) and in the
// browser: counts with separators, sizes in binary units (KiB = 1024 bytes), durations in
// ms/s/min/h, dollars, and a count with its noun. A fixed locale keeps the server's HTML and the
// browser's first render equal. Pure.

const counts = new Intl.NumberFormat("en-US");

/** e.g. 1,234 */
export function formatCount(value: number): string {
  return counts.format(value);
}

const BYTE_UNITS = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB"] as const;

const byteDigits = (value: number) => (value < 10 ? 2 : 1);

/** e.g. 512 bytes, 9.54 MiB, 143.1 MiB, 1.00 GiB (powers of 1024, as the cost assumptions state them). */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  // Round before choosing the unit, so 1,048,575 bytes reads 1.00 MiB and not 1024.0 KiB.
  while (unit < BYTE_UNITS.length - 1 && (unit === 0 ? value >= 1024 : Number(value.toFixed(byteDigits(value))) >= 1024)) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${Math.round(value)} bytes` : `${value.toFixed(byteDigits(value))} ${BYTE_UNITS[unit]}`;
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

/**
 * USD for display: cents from $1 up; below it three significant digits, at least two decimals
 * ($0.0464, $0.50, $0.000138), so a price of a fraction of a cent still reads as itself.
 */
export function formatUsd(usd: number): string {
  if (usd === 0) return "$0.00";
  const sign = usd < 0 ? "-" : "";
  const v = Math.abs(usd);
  if (v >= 1) return `${sign}$${v.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  const decimals = Math.max(2, 2 - Math.floor(Math.log10(v)));
  return `${sign}$${v.toFixed(decimals).replace(/(\.\d\d\d*?)0+$/, "$1")}`;
}

/** "1 file", "2,000 files": a count (rounded to a whole number) with its noun. */
export function plural(n: number, one: string, many = `${one}s`): string {
  const whole = Math.round(n);
  return `${formatCount(whole)} ${whole === 1 ? one : many}`;
}

/** "a", "a and b", "a, b and c". */
export function joinAnd(items: string[]): string {
  return items.length < 2 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}
