import { Cron } from "croner";
import { describe, expect, it } from "vitest";
import { loadConfig } from "@/env";
import {
  calendarMonthFrom,
  COST_FORMATS,
  countFireTimes,
  DEFAULT_LOAD_MODEL,
  DEFAULT_PRICES,
  estimateCosts,
  fitLoadModel,
  loadSeconds,
  runLoadMs,
  runsPerMonth,
  type CalibrationCase,
  type CostFormat,
  type CostInputs,
  type LoadModel,
} from "./cost";
import { formatBytes, formatUsd } from "@/shared/format";
import type { Schedule } from "@/shared/schedule";

const GIB = 2 ** 30;
const NY = "America/New_York";
const sched = (s: Partial<Schedule> & Pick<Schedule, "frequency">): Schedule => ({ timezone: "UTC", ...s });

describe("calendarMonthFrom", () => {
  it("is the next full calendar month in the zone, midnight to midnight", () => {
    // 2026-11-22 12:00 UTC: November has begun, so December 2026 is the next full month.
    const m = calendarMonthFrom(NY, new Date("2026-11-22T12:00:00Z"));
    expect(m).toMatchObject({ label: "2026-12", name: "December 2026", days: 31, timezone: NY });
    // New York is UTC-5 all December.
    expect(m.start.toISOString()).toBe("2026-12-01T05:00:00.000Z");
    expect(m.end.toISOString()).toBe("2027-01-01T05:00:00.000Z");
  });

  it("takes the month that starts exactly at `from`", () => {
    const m = calendarMonthFrom("UTC", new Date("2026-11-01T00:00:00Z"));
    expect(m).toMatchObject({ label: "2026-11", days: 30 });
  });

  it("counts an unknown zone in UTC", () => {
    expect(calendarMonthFrom("Mars/Olympus", new Date("2026-11-22T12:00:00Z"))).toMatchObject({ label: "2026-12", timezone: "UTC" });
  });
});

describe("runsPerMonth", () => {
  it("hourly in UTC, December 2026: 31 days × 24 = 744", () => {
    const r = runsPerMonth(sched({ frequency: "HOURLY" }), new Date("2026-11-22T12:00:00Z"));
    expect(r).toMatchObject({ runs: 744, cron: "0 * * * *" });
    expect(r.month.label).toBe("2026-12");
  });

  it("hourly in New York, March 2026: 02:00 on the 8th does not exist, 31 × 24 − 1 = 743", () => {
    const r = runsPerMonth(sched({ frequency: "HOURLY", timezone: NY }), new Date("2026-02-15T00:00:00Z"));
    expect(r.month).toMatchObject({ label: "2026-03", days: 31 });
    expect(r.runs).toBe(743);
  });

  it("hourly in New York, November 2026: 01:00 on the 1st happens twice and fires twice, 30 × 24 + 1 = 721", () => {
    const r = runsPerMonth(sched({ frequency: "HOURLY", timezone: NY }), new Date("2026-10-15T00:00:00Z"));
    expect(r.month).toMatchObject({ label: "2026-11", days: 30 });
    expect(r.runs).toBe(721);
  });

  it("daily 02:30 in New York, March 2026: 31 (on the 8th, inside the gap, it fires at 03:00 EDT)", () => {
    const s = sched({ frequency: "DAILY", time: "02:30", timezone: NY });
    expect(runsPerMonth(s, new Date("2026-02-15T00:00:00Z")).runs).toBe(31);
    // What croner does on the spring-forward day, which the count relies on:
    const onThe8th = new Cron("30 2 * * *", { paused: true, timezone: NY }).nextRun(new Date("2026-03-08T05:00:00Z"));
    expect(onThe8th?.toISOString()).toBe("2026-03-08T07:00:00.000Z"); // 03:00 EDT
  });

  it("daily 01:30 in New York, November 2026: 30 (the repeated 01:30 fires once)", () => {
    const s = sched({ frequency: "DAILY", time: "01:30", timezone: NY });
    expect(runsPerMonth(s, new Date("2026-10-15T00:00:00Z")).runs).toBe(30);
  });

  it("weekly: Mondays 09:00 in Berlin, December 2026 (the 1st is a Tuesday): 7, 14, 21, 28 = 4", () => {
    const s = sched({ frequency: "WEEKLY", weekday: 1, time: "09:00", timezone: "Europe/Berlin" });
    expect(runsPerMonth(s, new Date("2026-11-22T12:00:00Z")).runs).toBe(4);
  });

  it("weekly: Sundays 00:00 in New York, November 2026 (the 1st is a Sunday, at the month's first instant): 5", () => {
    const s = sched({ frequency: "WEEKLY", weekday: 0, time: "00:00", timezone: NY });
    expect(runsPerMonth(s, new Date("2026-10-15T00:00:00Z")).runs).toBe(5);
  });

  it("custom: every 15 minutes 09–17 on weekdays, December 2026 UTC: 23 weekdays × 9 hours × 4 = 828", () => {
    const s = sched({ frequency: "CUSTOM", cron: "*/15 9-17 * * 1-5" });
    expect(runsPerMonth(s, new Date("2026-11-22T12:00:00Z")).runs).toBe(828);
  });

  it("custom: leap days only: 1 in February 2028, 0 in February 2027", () => {
    const s = sched({ frequency: "CUSTOM", cron: "0 12 29 2 *" });
    expect(runsPerMonth(s, new Date("2028-01-10T00:00:00Z"))).toMatchObject({ runs: 1, month: { label: "2028-02", days: 29 } });
    expect(runsPerMonth(s, new Date("2027-01-10T00:00:00Z"))).toMatchObject({ runs: 0, month: { label: "2027-02", days: 28 } });
  });

  it("custom: every minute in New York, March 2026: 743 hours × 60 = 44,580, counted quickly", () => {
    const started = performance.now();
    const r = runsPerMonth(sched({ frequency: "CUSTOM", cron: "* * * * *", timezone: NY }), new Date("2026-02-15T00:00:00Z"));
    expect(r.runs).toBe(44_580);
    // croner's zoned arithmetic alone takes ~3 s for this; the fixed-offset stretches make it fast.
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it("manual only (NONE): 0 runs, no cron, and still a month", () => {
    const r = runsPerMonth(sched({ frequency: "NONE", timezone: NY }), new Date("2026-11-22T12:00:00Z"));
    expect(r).toMatchObject({ runs: 0, cron: null, month: { label: "2026-12" } });
  });

  it("counts exactly what croner fires in the zone, around every kind of clock change", () => {
    const cases: [string, string, string][] = [
      ["*/7 * * * *", NY, "2026-02-15T00:00:00Z"],
      ["30 2 * * *", NY, "2026-02-15T00:00:00Z"],
      ["0,30 1-2 * * *", NY, "2026-10-15T00:00:00Z"],
      ["15 2 * * 0", "Europe/Berlin", "2026-03-02T00:00:00Z"],
      ["0 * * * *", "Europe/Berlin", "2026-10-02T00:00:00Z"],
      // Lord Howe moves its clocks by 30 minutes (April 5, 2026, 02:00 → 01:30).
      ["*/10 1-2 * * *", "Australia/Lord_Howe", "2026-03-20T00:00:00Z"],
      ["0 0 * * *", "America/Santiago", "2026-03-20T00:00:00Z"],
      ["*/5 * * * *", "UTC", "2026-11-22T12:00:00Z"],
    ];
    for (const [expr, tz, from] of cases) {
      const month = calendarMonthFrom(tz, new Date(from));
      const zoned = new Cron(expr, { paused: true, timezone: tz });
      let brute = 0;
      for (let d = zoned.nextRun(new Date(month.start.getTime() - 1)); d && d < month.end; d = zoned.nextRun(d)) brute++;
      expect({ expr, tz, runs: countFireTimes(expr, tz, month.start, month.end) }).toEqual({ expr, tz, runs: brute });
    }
  });
});

/** A draft over S3, JSON at 150 ms per run + 0.5 ms per file + 100 MB/s, daily in UTC for December 2026, default prices. */
function inputs(over: Partial<CostInputs> = {}): CostInputs {
  const schedule = over.schedule ?? sched({ frequency: "DAILY", time: "06:00" });
  return {
    sourceType: "S3",
    format: "JSON",
    load: { runOverheadMs: 150, perFileMs: 0.5, mbPerSecond: 100, origin: "default: no calibration file" },
    listing: { objects: 2_500, files: 2_400, bytes: GIB, emptyFiles: 0, sampled: false, limit: 100_000 },
    backfill: { files: 2_400, bytes: GIB, scope: "ALL_MATCHING" },
    arrivals: { files: 300, bytes: 150_000_000, windowDays: 30, basis: "LISTING" },
    loadedBytes: 0,
    schedule,
    runs: runsPerMonth(schedule, new Date("2026-11-22T12:00:00Z")),
    limits: { maxFilesPerRun: null, maxBytesPerRun: null },
    prices: { ...DEFAULT_PRICES },
    warehouseBytesPerSourceByte: 1,
    ...over,
  };
}

const MODEL: LoadModel = { runOverheadMs: 150, perFileMs: 0.5, mbPerSecond: 200 };

describe("load time: per run + per file + bytes ÷ rate", () => {
  it("1 GiB of JSON at 100 MB/s alone takes 1,073,741,824 / 100,000,000 = 10.737 s", () => {
    expect(loadSeconds({ runs: 0, files: 0, bytes: GIB }, { runOverheadMs: 150, perFileMs: 0.5, mbPerSecond: 100 })).toBeCloseTo(10.73741824, 10);
  });

  it("adds each run's overhead and each file's cost to the bytes", () => {
    // 2 runs × 150 ms + 10 files × 0.5 ms + 1,000,000,000 bytes ÷ 200 MB/s = 0.3 + 0.005 + 5 s.
    expect(loadSeconds({ runs: 2, files: 10, bytes: 1e9 }, MODEL)).toBeCloseTo(5.305, 12);
  });

  it("the issue's run: 12,000 files of 20 KB are mostly per-file cost, not 2.4 s of bytes", () => {
    const work = { files: 12_000, bytes: 12_000 * 20_000 };
    // Bytes alone, at the old default of 100 MB/s: 240,000,000 / 100 MB/s = 2.4 s.
    expect(loadSeconds({ runs: 0, files: 0, bytes: work.bytes }, { runOverheadMs: 0, perFileMs: 0, mbPerSecond: 100 })).toBeCloseTo(2.4, 12);
    // The model: 150 ms + 12,000 × 0.5 ms + 240,000,000 / 200 MB/s = 0.15 + 6 + 1.2 = 7.35 s.
    expect(runLoadMs(work, MODEL)).toBe(7_350);
  });

  it("a run's estimate scales with its file count at equal bytes, and is 0 with nothing to load", () => {
    const bytes = 1_000_000;
    // 150 + n × 0.5 + 5 ms.
    expect([1, 100, 10_000].map((files) => runLoadMs({ files, bytes }, MODEL))).toEqual([156, 205, 5_155]);
    expect(runLoadMs({ files: 0, bytes: 0 }, MODEL)).toBe(0);
  });

  it("the defaults: every format has a run overhead, a per-file cost and a rate, all positive", () => {
    for (const format of COST_FORMATS) {
      const m = DEFAULT_LOAD_MODEL[format];
      expect(m.runOverheadMs).toBeGreaterThan(0);
      expect(m.perFileMs).toBeGreaterThan(0);
      expect(m.mbPerSecond).toBeGreaterThan(0);
    }
    // One per-run overhead: it is the run's own work, whatever the format.
    expect(new Set(COST_FORMATS.map((f) => DEFAULT_LOAD_MODEL[f].runOverheadMs)).size).toBe(1);
  });
});

describe("fitLoadModel (what npm run bench writes to calibration.json)", () => {
  const TRUTH = {
    runOverheadMs: 120,
    perFileMs: { JSON: 0.5, CSV: 0.9, PARQUET: 0.6 },
    mbPerSecond: { JSON: 200, CSV: 150, PARQUET: 250 },
  };
  const timed = (c: Omit<CalibrationCase, "durationMs">, truth = TRUTH): CalibrationCase => ({
    ...c,
    durationMs: truth.runOverheadMs + c.files * truth.perFileMs[c.format] + c.bytes / (truth.mbPerSecond[c.format] * 1000),
  });
  const shapes = (format: CostFormat, small: number, large: number): Omit<CalibrationCase, "durationMs">[] => [
    { name: `small-${format}`, format, role: "PER_FILE", files: 5_000, bytes: small },
    { name: `large-${format}`, format, role: "RATE", files: 10, bytes: large },
  ];
  const CASES = [
    { name: "one-small-file", format: "JSON", role: "RUN_OVERHEAD", files: 1, bytes: 680 },
    ...shapes("JSON", 3_400_000, 1_015_000_000),
    ...shapes("CSV", 2_100_000, 387_000_000),
    ...shapes("PARQUET", 8_000_000, 249_000_000),
  ] satisfies Omit<CalibrationCase, "durationMs">[];

  it("recovers the overhead, the per-file costs and the byte rates from exact timings", () => {
    expect(fitLoadModel(CASES.map((c) => timed(c)))).toEqual({ ...TRUTH, problems: [] });
  });

  it("the byte rate is corrected for the large files' per-file share and the run overhead", () => {
    const fit = fitLoadModel(CASES.map((c) => timed(c)));
    // The large JSON case alone, end to end: 1,015 MB in 120 + 5 + 5,075 ms = 195.2 MB/s, not 200.
    const large = timed(CASES[2]!);
    expect(large.bytes / 1000 / large.durationMs).toBeCloseTo(195.19, 2);
    expect(fit.mbPerSecond.JSON).toBe(200);
  });

  it("a case that cannot be explained is named, and its figure is left to the default", () => {
    const cases = CASES.map((c) => timed(c));
    // Small CSV files faster per file than the run overhead allows: a negative per-file cost.
    const csvSmall = cases.find((c) => c.name === "small-CSV")!;
    csvSmall.durationMs = 100;
    // A large Parquet case faster than the run overhead itself: no rate can explain it.
    const parquetLarge = cases.find((c) => c.name === "large-PARQUET")!;
    parquetLarge.durationMs = 50;
    const fit = fitLoadModel(cases);
    expect(fit.runOverheadMs).toBe(120);
    expect(fit.perFileMs.JSON).toBe(0.5);
    expect(fit.perFileMs.CSV).toBeUndefined();
    expect(fit.mbPerSecond.CSV).toBeUndefined();
    expect(fit.perFileMs.PARQUET).toBeUndefined();
    expect(fit.mbPerSecond.PARQUET).toBeUndefined();
    // CSV, less the 120 ms overhead: -20 = 5,000 p + 2,100,000 s and 2,589 = 10 p + 387,000,000 s
    //   → p = -0.00681 ms, s = 6.690e-6 ms per byte (149 MB/s).
    // Parquet: 3,032 = 5,000 p + 8,000,000 s and -70 = 10 p + 249,000,000 s → p = 0.607 ms, s < 0.
    expect(fit.problems).toEqual([
      "CSV: small-CSV and large-CSV give a per-file cost of -0.00681 ms and 149 MB/s, which cannot be; CSV keeps the default per-file cost and rate",
      "PARQUET: small-PARQUET and large-PARQUET give a per-file cost of 0.607 ms and -3,270 MB/s, which cannot be; PARQUET keeps the default per-file cost and rate",
    ]);
  });

  it("cases that cannot tell files from bytes: nothing is solved, and nothing is made up", () => {
    // 2 files of 680 bytes and 3 files of 680 bytes are the one-file case, scaled: no overhead, cost or rate follows.
    const fit = fitLoadModel([
      { name: "one", format: "JSON", role: "RUN_OVERHEAD", files: 1, bytes: 680, durationMs: 150 },
      { name: "two", format: "JSON", role: "PER_FILE", files: 2, bytes: 1_360, durationMs: 160 },
      { name: "three", format: "JSON", role: "RATE", files: 3, bytes: 2_040, durationMs: 170 },
    ]);
    expect(fit.runOverheadMs).toBeUndefined();
    expect(fit.perFileMs).toEqual({});
    expect(fit.mbPerSecond).toEqual({});
    expect(fit.problems[0]).toBe("one, two and three cannot be solved for a per-run overhead; it keeps its default");
    expect(fit.problems[1]).toMatch(/^JSON: two and three give a per-file cost of .* which cannot be; JSON keeps the default per-file cost and rate$/);
  });

  it("without a one-file case there is no overhead to measure: it stays the default, and the rest is fitted without it", () => {
    const fit = fitLoadModel(CASES.filter((c) => c.role !== "RUN_OVERHEAD").map((c) => timed(c, { ...TRUTH, runOverheadMs: 0 })));
    expect(fit).toEqual({
      runOverheadMs: undefined,
      perFileMs: TRUTH.perFileMs,
      mbPerSecond: TRUTH.mbPerSecond,
      problems: ["No RUN_OVERHEAD case (one small file) was measured: the per-run overhead keeps its default"],
    });
  });
});

describe("estimateCosts", () => {
  it("a daily S3 draft: backfill and a month, by hand", () => {
    const { backfill, monthly, assumptions } = estimateCosts(inputs());
    // Backfill: 1 run × 150 ms + 2,400 files × 0.5 ms + 1 GiB / 100 MB/s (10,737.41824 ms) = 12,087.41824 ms → 12,087 ms.
    // Compute: 12.08741824 s / 3600 × $0.0464 = $0.000155793390649.
    // LIST: ceil(2,500 / 1,000) = 3 requests × $0.005/1000 = $0.000015.
    // GET: 2,400 × $0.0004/1000 = $0.00096. Requests: $0.000975.
    // Total: $0.000155793390649 + $0.000975 = $0.001130793390649.
    expect(backfill).toMatchObject({ files: 2_400, bytes: GIB, runsNeeded: 1, durationMs: 12_087, listRequests: 3, getRequests: 2_400 });
    expect(backfill.computeCost).toBeCloseTo(0.000155793390649, 14);
    expect(backfill.requestCost).toBeCloseTo(0.000975, 14);
    expect(backfill.total).toBeCloseTo(0.001130793390649, 14);

    // Month: December 2026 has 31 days, 31 daily runs; arrivals scale by 31/30:
    // 300 files → 310, 150,000,000 bytes → 155,000,000.
    // Load: 31 runs × 150 ms + 310 files × 0.5 ms + 155,000,000 / 100 MB/s = 4,650 + 155 + 1,550 = 6,355 ms;
    //   6.355 / 3600 × $0.0464 = $0.0000819088…
    // LIST: 31 runs × 3 = 93 × $0.005/1000 = $0.000465. GET: 310 × $0.0004/1000 = $0.000124.
    // Storage: (1 GiB backfill + 155,000,000 / 2) × 1.0 = 1,151,241,824 bytes / 2^30 = 1.0721774995327 GB-months
    //   × $0.023 = $0.0246600824892521.
    // Total: 0.0000819088… + 0.0246600824892521 + 0.000589 = $0.025330991378141.
    expect(monthly).toMatchObject({ runs: 31, durationMs: 6_355, listRequests: 93, month: { label: "2026-12", days: 31 } });
    expect(monthly.newFiles).toBeCloseTo(310, 10);
    expect(monthly.newBytes).toBeCloseTo(155_000_000, 4);
    expect(monthly.getRequests).toBeCloseTo(310, 10);
    expect(monthly.computeCost).toBeCloseTo(0.294872 / 3600, 14);
    expect(monthly.requestCost).toBeCloseTo(0.000589, 14);
    expect(monthly.storedGbMonths).toBeCloseTo(1.0721774995327, 12);
    expect(monthly.storageCost).toBeCloseTo(0.0246600824892521, 14);
    expect(monthly.total).toBeCloseTo(0.025330991378141, 14);

    expect(assumptions).toEqual(
      expect.arrayContaining([
        "The source holds 2,500 objects; 2,400 files (1.00 GiB) match the glob and are not markers (names starting with _ or .).",
        "Backfill now: the first run loads every matching file, 2,400 files (1.00 GiB).",
        "Load time for JSON = 150 ms per run + 0.5 ms per file + bytes ÷ 100 MB/s (MB = 10^6 bytes; default: no calibration file). The per-file cost is listing, claiming, reading and recording each file, which is what makes many small files slow; S3 downloads are not counted.",
        "Backfill load time: 1 run × 150 ms + 2,400 files × 0.5 ms + 1.00 GiB ÷ 100 MB/s = 0.15 + 1.2 + 10.7 s = 12.1 s.",
        "Compute is billed for load time only, at $0.0464 per hour (default: about a 2 vCPU / 8 GiB on-demand instance).",
        'Runs per month: 31 runs — the real fire times of "Daily at 06:00 (UTC)" in December 2026 (the next full calendar month in UTC), clock changes included.',
        "Steady state from the listing: 300 files (143.1 MiB) last modified in the last 30 days; scaled to the 31 days of December 2026: 310 files (147.8 MiB) per month, loaded by the scheduled runs as they land: 31 runs × 150 ms + 310 files × 0.5 ms + 147.8 MiB ÷ 100 MB/s = 4.65 + 0.155 + 1.55 s = 6.36 s of load a month.",
      ]),
    );
    expect(assumptions.find((a) => a.startsWith("S3 requests"))).toContain("3 LIST requests per run");
    // Growth: 155,000,000 / 2^30 × $0.023 = $0.00332 more each later month.
    expect(assumptions.find((a) => a.startsWith("Warehouse storage"))).toBe(
      "Warehouse storage: the DuckDB table is taken as 1× the source bytes (DuckDB's compression usually stores JSON and CSV in less); December 2026 stores the backfill and half the month's new data, 1.07 GB-months at $0.023 per GB-month (GB = 2^30 bytes; default: AWS us-east-1 list price, 2026). Each later month adds $0.00332 as the table grows.",
    );
  });

  it("hourly: 744 runs in December 2026 each list the source", () => {
    const schedule = sched({ frequency: "HOURLY" });
    const { monthly } = estimateCosts(inputs({ schedule, runs: runsPerMonth(schedule, new Date("2026-11-22T12:00:00Z")) }));
    // LIST: 744 × 3 = 2,232 × $0.005/1000 = $0.01116; GET unchanged: $0.000124.
    // Load: only runs that find a file load, at most 310 of the 744:
    // 310 × 150 ms + 310 × 0.5 ms + 155,000,000 / 100 MB/s = 46,500 + 155 + 1,550 = 48,205 ms.
    expect(monthly).toMatchObject({ runs: 744, listRequests: 2_232, durationMs: 48_205 });
    expect(monthly.requestCost).toBeCloseTo(0.01116 + 0.000124, 14);
  });

  it("per-run limits: the backfill takes several runs, and arrivals beyond a run's limit are called out", () => {
    const { backfill, assumptions } = estimateCosts(inputs({ limits: { maxFilesPerRun: 5, maxBytesPerRun: null } }));
    // ceil(2,400 / 5) = 480 runs, each listing 3 pages: 1,440 LIST requests.
    expect(backfill).toMatchObject({ runsNeeded: 480, listRequests: 1_440 });
    // 310 files over 31 runs = 10 per run > 5.
    expect(assumptions).toContain("About 10.0 files land per run, more than the limit of 5 per run: the backlog would grow.");
    expect(assumptions).toContain("The per-run limits split the backfill into 480 runs; each lists the whole source.");

    // By bytes: ceil(1 GiB / 100 MiB) = 11 runs.
    const byBytes = estimateCosts(inputs({ limits: { maxFilesPerRun: null, maxBytesPerRun: 100 * 2 ** 20 } }));
    expect(byBytes.backfill.runsNeeded).toBe(11);
  });

  it("a local directory has no request charges", () => {
    const { backfill, monthly, assumptions } = estimateCosts(inputs({ sourceType: "LOCAL" }));
    expect(backfill).toMatchObject({ listRequests: 0, getRequests: 0, requestCost: 0 });
    expect(monthly).toMatchObject({ listRequests: 0, getRequests: 0, requestCost: 0 });
    expect(backfill.total).toBeCloseTo(0.000155793390649, 14);
    expect(assumptions).toContain("A local directory has no request charges.");
  });

  it("manual only: no scheduled runs, so the month is storage alone", () => {
    const schedule = sched({ frequency: "NONE" });
    const { monthly, assumptions } = estimateCosts(inputs({ schedule, runs: runsPerMonth(schedule, new Date("2026-11-22T12:00:00Z")) }));
    // Storage: 1 GiB × 1.0 = 1 GB-month × $0.023 = $0.023, and nothing else.
    expect(monthly).toMatchObject({ runs: 0, durationMs: 0, computeCost: 0, listRequests: 0, getRequests: 0, requestCost: 0 });
    expect(monthly.storedGbMonths).toBeCloseTo(1, 12);
    expect(monthly.total).toBeCloseTo(0.023, 14);
    expect(monthly.newFiles).toBeCloseTo(310, 10); // still what lands
    expect(assumptions.find((a) => a.startsWith("Manual only"))).toBe(
      "Manual only: no scheduled runs, so the monthly figure is storage alone. Each run you trigger lists the source (3 LIST requests) and loads what landed since the last one, at the rate above.",
    );
  });

  it("an existing ingestion: history as the basis, what is loaded already stored, prices from the request", () => {
    const schedule = sched({ frequency: "DAILY", time: "01:30", timezone: NY });
    const { backfill, monthly, assumptions } = estimateCosts(
      inputs({
        format: "CSV",
        load: { runOverheadMs: 150, perFileMs: 0.5, mbPerSecond: 150, origin: "measured by npm run bench on 2026-11-01" },
        backfill: { files: 10, bytes: GIB / 2, scope: "NOT_YET_LOADED", alreadyLoaded: 90 },
        arrivals: { files: 60, bytes: GIB, windowDays: 30, basis: "HISTORY" },
        loadedBytes: 3 * GIB,
        schedule,
        runs: runsPerMonth(schedule, new Date("2026-10-15T00:00:00Z")),
        prices: { computePerHour: 3.6, storagePerGbMonth: 0.1, s3ListPer1000: 0, s3GetPer1000: 0 },
        priceOrigins: { computePerHour: "REQUEST", storagePerGbMonth: "REQUEST", s3ListPer1000: "CONFIGURED" },
        warehouseBytesPerSourceByte: 0.5,
        paused: true,
      }),
    );
    // Backfill: 150 ms + 10 × 0.5 ms + 536,870,912 bytes / 150 MB/s (3,579.139413 ms) = 3,734.139413 ms;
    // at $3.60/hour = $0.001 per second → $0.003734139413.
    expect(backfill).toMatchObject({ files: 10, durationMs: 3_734, requestCost: 0 });
    expect(backfill.computeCost).toBeCloseTo(0.003734139413333, 14);
    // November 2026 (New York): 30 days, so arrivals stay 60 files / 1 GiB; 30 daily runs.
    // Load: 30 × 150 ms + 60 × 0.5 ms + 1,073,741,824 / 150 MB/s = 4,500 + 30 + 7,158.278826667 ms → $0.011688278826667.
    // Storage: 0.5 × (3 GiB loaded + 0.5 GiB backfill + 0.5 GiB half the month) = 2 GB-months × $0.1 = $0.2.
    expect(monthly).toMatchObject({ runs: 30, newFiles: 60, newBytes: GIB, durationMs: 11_688, storedGbMonths: 2 });
    expect(monthly.computeCost).toBeCloseTo(0.011688278826667, 14);
    expect(monthly.storageCost).toBeCloseTo(0.2, 14);
    expect(monthly.total).toBeCloseTo(0.211688278826667, 14);
    expect(assumptions).toEqual(
      expect.arrayContaining([
        "Backfill now: the 10 matching files (512.0 MiB) this ingestion has not loaded yet; 90 files it already loaded are not counted.",
        "Compute is billed for load time only, at $3.60 per hour (given with this request).",
        "Backfill load time: 1 run × 150 ms + 10 files × 0.5 ms + 512.0 MiB ÷ 150 MB/s = 0.15 + 0.005 + 3.58 s = 3.73 s.",
        "Steady state from this ingestion's history: 60 files (1.00 GiB) that landed and were loaded in the last 30 days (older files it loaded as backfill are not counted); scaled to the 30 days of November 2026: 60 files (1.00 GiB) per month, loaded by the scheduled runs as they land: 30 runs × 150 ms + 60 files × 0.5 ms + 1.00 GiB ÷ 150 MB/s = 4.5 + 0.03 + 7.16 s = 11.7 s of load a month.",
        "The ingestion is paused: the monthly figures apply once it is resumed.",
      ]),
    );
    expect(assumptions.find((a) => a.startsWith("S3 requests"))).toContain("LIST $0.00 per 1,000 (configured); GET $0.00 per 1,000 (default: AWS us-east-1 list price, 2026)");
    expect(assumptions.find((a) => a.startsWith("Warehouse storage"))).toContain("0.5× the source bytes");
  });

  it("a sampled listing says its counts are lower bounds", () => {
    const { assumptions, monthly } = estimateCosts(
      inputs({ listing: { objects: 100_000, files: 99_000, bytes: 5 * GIB, emptyFiles: 3, sampled: true, limit: 100_000 } }),
    );
    expect(assumptions[0]).toBe(
      "Listing stopped at 100,000 objects (the listing bound; there are more): counts, bytes and LIST requests below are lower bounds — at least 99,000 matching files (5.00 GiB).",
    );
    expect(assumptions).toContain("Empty files are skipped, not loaded: 3.");
    expect(assumptions.find((a) => a.startsWith("S3 requests"))).toContain("at least 100 LIST requests per run");
    expect(monthly.listRequests).toBe(31 * 100);
  });

  it("nothing to load: no backfill runs, no requests", () => {
    const { backfill } = estimateCosts(
      inputs({ listing: { objects: 0, files: 0, bytes: 0, emptyFiles: 0, sampled: false, limit: 100_000 }, backfill: { files: 0, bytes: 0, scope: "ALL_MATCHING" } }),
    );
    expect(backfill).toEqual({
      files: 0,
      bytes: 0,
      runsNeeded: 0,
      durationMs: 0,
      computeCost: 0,
      listRequests: 0,
      getRequests: 0,
      requestCost: 0,
      total: 0,
    });
  });
});

describe("display helpers", () => {
  it("rounds dollars to cents from $1 up, and to three significant digits below", () => {
    expect(formatUsd(0)).toBe("$0.00");
    expect(formatUsd(0.000138393)).toBe("$0.000138");
    expect(formatUsd(0.0464)).toBe("$0.0464");
    expect(formatUsd(0.5)).toBe("$0.50");
    expect(formatUsd(0.023)).toBe("$0.023");
    expect(formatUsd(5.2e-7)).toBe("$0.00000052");
    expect(formatUsd(-0.25)).toBe("-$0.25");
    expect(formatUsd(1234.5)).toBe("$1,234.50");
    expect(formatBytes(512)).toBe("512 bytes");
    expect(formatBytes(1.5 * GIB)).toBe("1.50 GiB");
  });
});

describe("price settings (AUTOLOADER_PRICE_*)", () => {
  it("are unset by default and numbers when set; blank counts as unset", () => {
    expect(loadConfig({}, "/srv").prices).toEqual({});
    expect(
      loadConfig(
        {
          AUTOLOADER_PRICE_COMPUTE_PER_HOUR: "0.1",
          AUTOLOADER_PRICE_STORAGE_PER_GB_MONTH: "0",
          AUTOLOADER_PRICE_S3_LIST_PER_1000: " ",
          AUTOLOADER_PRICE_S3_GET_PER_1000: "0.0004",
        },
        "/srv",
      ).prices,
    ).toEqual({ computePerHour: 0.1, storagePerGbMonth: 0, s3GetPer1000: 0.0004 });
  });

  it.each([
    ["AUTOLOADER_PRICE_COMPUTE_PER_HOUR", "-1", "per hour of compute, e.g. 0.0464"],
    ["AUTOLOADER_PRICE_STORAGE_PER_GB_MONTH", "cheap", "per GB-month of storage, e.g. 0.023"],
    ["AUTOLOADER_PRICE_S3_LIST_PER_1000", "Infinity", "per 1,000 S3 LIST requests, e.g. 0.005"],
    ["AUTOLOADER_PRICE_S3_GET_PER_1000", "-0.0004", "per 1,000 S3 GET requests, e.g. 0.0004"],
  ])("%s=%s is refused with a message naming it", (name, value, per) => {
    expect(() => loadConfig({ [name]: value }, "/srv")).toThrow(
      `Invalid environment:\n  ${name}: ${name} must be a non-negative number of US dollars ${per}`,
    );
  });
});

describe("LIST requests by listing mode", () => {
  const listed = { objects: 100_000, files: 100_000, bytes: GIB, emptyFiles: 0, sampled: false, limit: 1_000_000 };
  const hourly = sched({ frequency: "HOURLY" });
  const hourlyRuns = runsPerMonth(hourly, new Date("2026-11-22T12:00:00Z"));

  it("FULL: every one of the 744 hourly runs of December 2026 lists all 100,000 objects (100 requests each)", () => {
    const { monthly } = estimateCosts(inputs({ listing: listed, schedule: hourly, runs: hourlyRuns }));
    expect(monthly.listRequests).toBe(744 * 100);
  });

  it("ORDERED: each run lists its new keys (at least one request), and the whole source once a day", () => {
    const { monthly, assumptions } = estimateCosts(
      inputs({ listing: listed, schedule: hourly, runs: hourlyRuns, listingMode: { mode: "ORDERED", fullListingEveryHours: 24 } }),
    );
    // 310 new files a month over 744 runs: under one a run, so one request each. 30 full listings
    // (720 h ÷ 24 h) × 100 + (744 − 30) × 1 = 3,000 + 714 = 3,714.
    expect(monthly.listRequests).toBe(3_714);
    expect(assumptions).toContain("LIST requests in December 2026: 30 full listings × 100 + 714 ordered runs × 1 = 3,714.");
    expect(assumptions.find((a) => a.startsWith("S3 requests: ordered listing"))).toContain("the whole source once every 24 hours to catch late arrivals");
  });

  it("ORDERED with a weekly full listing and many new keys a run: the new keys' pages, and 5 full listings", () => {
    const { monthly } = estimateCosts(
      inputs({
        listing: listed,
        arrivals: { files: 30 * 24 * 2_500, bytes: GIB, windowDays: 30, basis: "LISTING" },
        schedule: hourly,
        runs: hourlyRuns,
        listingMode: { mode: "ORDERED", fullListingEveryHours: 168 },
      }),
    );
    // 2,500 new keys an hour: 3 requests a run; ceil(720 ÷ 168) = 5 full listings of 100.
    expect(monthly.listRequests).toBe(5 * 100 + (744 - 5) * 3);
  });

  it("ORDERED backfill split by the per-run limits: one full listing, then one request per later run", () => {
    const { backfill } = estimateCosts(
      inputs({ limits: { maxFilesPerRun: 5, maxBytesPerRun: null }, listingMode: { mode: "ORDERED", fullListingEveryHours: 24 } }),
    );
    // 480 runs: 3 pages for the first, 1 for each of the 479 after it (FULL: 480 × 3 = 1,440).
    expect(backfill).toMatchObject({ runsNeeded: 480, listRequests: 3 + 479 });
  });

  it("a local source has no LIST charges in either mode", () => {
    const { monthly } = estimateCosts(inputs({ sourceType: "LOCAL", listingMode: { mode: "ORDERED", fullListingEveryHours: 24 } }));
    expect(monthly.listRequests).toBe(0);
  });
});
