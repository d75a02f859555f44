import { describe, expect, it } from "vitest";
import { formatBytes, formatCount, formatDuration, formatUsd, joinAnd, plural } from "./format";

const KIB = 1024;
const MIB = KIB ** 2;
const GIB = KIB ** 3;

describe("formatCount", () => {
  it("separates thousands the same everywhere", () => {
    expect(formatCount(0)).toBe("0");
    expect(formatCount(1234567)).toBe("1,234,567");
  });
});

describe("formatBytes", () => {
  it("counts bytes below 1 KiB, then binary units with two decimals below 10 and one above", () => {
    expect(formatBytes(0)).toBe("0 bytes");
    expect(formatBytes(512)).toBe("512 bytes");
    expect(formatBytes(1023)).toBe("1023 bytes");
    expect(formatBytes(KIB)).toBe("1.00 KiB");
    expect(formatBytes(10 * MIB)).toBe("10.0 MiB");
    expect(formatBytes(512 * MIB)).toBe("512.0 MiB");
    expect(formatBytes(1.5 * GIB)).toBe("1.50 GiB");
    expect(formatBytes(2 ** 50)).toBe("1.00 PiB");
  });

  it("rounds before choosing the unit, so a size just under one unit reads as that unit", () => {
    expect(formatBytes(MIB - 1)).toBe("1.00 MiB");
    expect(formatBytes(GIB - 1)).toBe("1.00 GiB");
  });
});

describe("formatDuration", () => {
  it("reads ms, s, min and h", () => {
    expect(formatDuration(-5)).toBe("0 ms");
    expect(formatDuration(320)).toBe("320 ms");
    expect(formatDuration(2400)).toBe("2.4 s");
    expect(formatDuration(59_949)).toBe("59.9 s");
    expect(formatDuration(59_950)).toBe("1 min");
    expect(formatDuration(192_000)).toBe("3 min 12 s");
    expect(formatDuration(3_900_000)).toBe("1 h 5 min");
    expect(formatDuration(7_200_000)).toBe("2 h");
  });
});

describe("formatUsd", () => {
  it("shows cents from $1 up and three significant digits below", () => {
    expect(formatUsd(0)).toBe("$0.00");
    expect(formatUsd(0.000138393)).toBe("$0.000138");
    expect(formatUsd(0.5)).toBe("$0.50");
    expect(formatUsd(1234.5)).toBe("$1,234.50");
    expect(formatUsd(-0.25)).toBe("-$0.25");
  });
});

describe("plural and joinAnd", () => {
  it("names a count with its noun, rounding it to a whole number", () => {
    expect(plural(1, "file")).toBe("1 file");
    expect(plural(0, "file")).toBe("0 files");
    expect(plural(2000, "file")).toBe("2,000 files");
    expect(plural(3.1, "run")).toBe("3 runs");
    expect(plural(2, "entry", "entries")).toBe("2 entries");
  });

  it("joins with commas and a final 'and'", () => {
    expect(joinAnd([])).toBe("");
    expect(joinAnd(["a"])).toBe("a");
    expect(joinAnd(["a", "b"])).toBe("a and b");
    expect(joinAnd(["a", "b", "c"])).toBe("a, b and c");
  });
});
