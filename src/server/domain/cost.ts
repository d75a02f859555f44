// Cost estimate arithmetic: runs per month from a schedule's real fire times, the load-time
// model (per run + per file + bytes ÷ rate, and its fit to the benchmark's timings), and the
// breakdown (backfill now, then a month of steady state) with every assumption spelled out.
// Pure: the service (services/cost/estimate-cost.ts) gathers listings, history, the calibration
// and prices.
//
// Money stays unrounded (USD as floating point) in every figure; only the sentences in
// `assumptions` round, through `formatUsd`. Rounding is the display's business.
import { Cron } from "croner";
import { describeSchedule, isValidTimeZone, type Schedule } from "@/shared/schedule";
import { scheduleToCron } from "./schedule";
import { formatBytes, formatCount, formatUsd, joinAnd, plural } from "@/shared/format";
import { listRequestsPerMonth, type ListingModeValue } from "./listing-plan";

export type CostFormat = "JSON" | "CSV" | "PARQUET";
export const COST_FORMATS = ["JSON", "CSV", "PARQUET"] as const satisfies readonly CostFormat[];

export interface CostPrices {
  /** USD per hour of load (compute) time. */
  computePerHour: number;
  /** USD per GB-month of warehouse storage; GB = 2^30 bytes, as AWS bills storage. */
  storagePerGbMonth: number;
  /** USD per 1,000 S3 LIST requests. */
  s3ListPer1000: number;
  /** USD per 1,000 S3 GET requests. */
  s3GetPer1000: number;
}
export const PRICE_KEYS = ["computePerHour", "storagePerGbMonth", "s3ListPer1000", "s3GetPer1000"] as const;

/**
 * AWS us-east-1 list prices, 2026: S3 Standard storage (first 50 TB), S3 Standard LIST (billed
 * with PUT/COPY/POST) and GET requests. Compute is the order of a 2 vCPU / 8 GiB on-demand
 * instance; set AUTOLOADER_PRICE_COMPUTE_PER_HOUR to what yours costs.
 */
export const DEFAULT_PRICES: Readonly<CostPrices> = {
  computePerHour: 0.0464,
  storagePerGbMonth: 0.023,
  s3ListPer1000: 0.005,
  s3GetPer1000: 0.0004,
};

/**
 * How long a load takes: a fixed cost per run, a cost per file, and the bytes at a rate. Many
 * small files are slow because of the per-file part (listing, claiming, DuckDB opening and
 * sniffing each file, its ledger entry and state update), which bytes ÷ rate alone misses.
 */
export interface LoadModel {
  /** Milliseconds a run that loads files spends however little it loads (start, listing, the table's schema and transaction, finish). */
  runOverheadMs: number;
  /** Milliseconds per file on top of its bytes. */
  perFileMs: number;
  /** MB (10^6 bytes) per second for the data itself, beyond the per-file cost. */
  mbPerSecond: number;
}

/**
 * The model when there is no calibration: what full `npm run bench` runs measured on the 2-core
 * development machine (2026-12-01, rounded; the overhead moved between 100 and 145 ms), in a
 * process that had already run a load as a server has. CSV files cost the most each: DuckDB sniffs every file's dialect. Parquet's MB/s
 * is low because its bytes are compressed (≈ 2.8 M rows/s).
 */
export const DEFAULT_LOAD_MODEL: Readonly<Record<CostFormat, Readonly<LoadModel>>> = {
  JSON: { runOverheadMs: 120, perFileMs: 0.7, mbPerSecond: 95 },
  CSV: { runOverheadMs: 120, perFileMs: 1.8, mbPerSecond: 70 },
  PARQUET: { runOverheadMs: 120, perFileMs: 0.7, mbPerSecond: 38 },
};

/**
 * Warehouse bytes per source byte. 1.0 is on the high side on purpose: DuckDB's columnar
 * compression usually stores JSON and CSV in less; Parquet stays about the same.
 */
export const DEFAULT_WAREHOUSE_BYTES_PER_SOURCE_BYTE = 1;

/** Steady state is measured over this many days before now. */
export const ARRIVAL_WINDOW_DAYS = 30;

/** ListObjectsV2 returns at most this many keys per request. */
export const S3_KEYS_PER_LIST = 1000;

export const MB = 1e6;
export const GB = 2 ** 30;

// ---------------------------------------------------------------------------------------------
// Months and runs per month

export interface CostMonth {
  /** "2026-12" */
  label: string;
  /** "December 2026" */
  name: string;
  /** Midnight of the 1st, in `timezone`. */
  start: Date;
  /** Midnight of the next month's 1st, in `timezone` (exclusive). */
  end: Date;
  days: number;
  timezone: string;
}

export interface MonthlyRuns {
  /** Fire times in [month.start, month.end); 0 when manual-only. */
  runs: number;
  /** The cron expression counted, null for manual-only (or an unusable stored schedule). */
  cron: string | null;
  month: CostMonth;
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** Minutes the zone's wall clock is ahead of UTC at `at` (New York in winter: -300). */
export function zoneOffsetMinutes(timezone: string, at: number): number {
  let f = offsetFormatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: timezone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    offsetFormatters.set(timezone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(at)).map((x) => [x.type, x.value]));
  const wall = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return Math.round((wall - Math.floor(at / 1000) * 1000) / 60_000);
}

const MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/**
 * The calendar month, in `timezone`, that starts at or after `from`: the first full month from
 * then. (An unknown zone counts in UTC.)
 */
export function calendarMonthFrom(timezone: string, from: Date): CostMonth {
  const tz = isValidTimeZone(timezone) ? timezone : "UTC";
  const firsts = new Cron("0 0 1 * *", { paused: true, timezone: tz });
  const start = firsts.nextRun(new Date(from.getTime() - 1));
  const end = start ? firsts.nextRun(start) : null;
  if (!start || !end) throw new Error(`No month start after ${from.toISOString()} in ${tz}`);
  const wall = new Date(start.getTime() + zoneOffsetMinutes(tz, start.getTime()) * 60_000);
  const year = wall.getUTCFullYear();
  const month = wall.getUTCMonth();
  return {
    label: `${year}-${String(month + 1).padStart(2, "0")}`,
    name: `${MONTH_NAMES[month]} ${year}`,
    start,
    end,
    days: new Date(Date.UTC(year, month + 1, 0)).getUTCDate(),
    timezone: tz,
  };
}

function countBetween(cron: Cron, from: number, to: number): number {
  let n = 0;
  // croner answers "strictly after": a fire exactly at `from` is found from 1 ms before it.
  for (let d = cron.nextRun(new Date(from - 1)); d && d.getTime() < to; d = cron.nextRun(d)) n++;
  return n;
}

const HOUR = 3_600_000;

/**
 * Fire times of `expr` in [start, end) exactly as croner computes them in `timezone`. croner's
 * zoned arithmetic costs ~70 µs per fire (Intl), which is seconds for "* * * * *" over a month;
 * so stretches of constant UTC offset are counted with a fixed offset (~4 µs per fire, the same
 * instants), and only a few hours around each clock change in the zone itself.
 */
export function countFireTimes(expr: string, timezone: string, start: Date, end: Date): number {
  const from = start.getTime();
  const to = end.getTime();
  const windows: [number, number][] = [];
  let previous = zoneOffsetMinutes(timezone, from);
  for (let t = from + HOUR; t < to + HOUR; t += HOUR) {
    const offset = zoneOffsetMinutes(timezone, Math.min(t, to));
    if (offset === previous) continue;
    previous = offset;
    // The change happened in the hour before t: count 3 hours either side in the zone.
    const w: [number, number] = [Math.max(from, t - 4 * HOUR), Math.min(to, t + 3 * HOUR)];
    const last = windows[windows.length - 1];
    if (last && w[0] <= last[1]) last[1] = Math.max(last[1], w[1]);
    else windows.push(w);
  }
  const fixed = (at: number) => new Cron(expr, { paused: true, utcOffset: zoneOffsetMinutes(timezone, at) });
  let zoned: Cron | null = null;
  let n = 0;
  let cursor = from;
  for (const [a, b] of windows) {
    if (cursor < a) n += countBetween(fixed(cursor), cursor, a);
    zoned ??= new Cron(expr, { paused: true, timezone });
    n += countBetween(zoned, a, b);
    cursor = b;
  }
  if (cursor < to) n += countBetween(fixed(cursor), cursor, to);
  return n;
}

/**
 * Scheduled runs in one month: the real fire times of the schedule, in its time zone, during the
 * first full calendar month (in that zone) from `from`. Clock changes count as croner fires:
 * a time inside a spring-forward gap fires once at the first valid minute after it (02:30 →
 * 03:00), a daily time in the repeated autumn hour fires once, and an hourly schedule fires in
 * both repeated hours (each is a real hour). Manual-only schedules have 0.
 */
export function runsPerMonth(schedule: Schedule, from: Date, warn?: (message: string) => void): MonthlyRuns {
  const month = calendarMonthFrom(schedule.timezone, from);
  const cron = isValidTimeZone(schedule.timezone) ? scheduleToCron(schedule, warn) : null;
  return { runs: cron === null ? 0 : countFireTimes(cron, month.timezone, month.start, month.end), cron, month };
}

// ---------------------------------------------------------------------------------------------
// The breakdown

export type PriceOrigin = "DEFAULT" | "CONFIGURED" | "REQUEST";

export interface CostInputs {
  sourceType: "S3" | "LOCAL";
  format: CostFormat;
  /** The load-time model of the format and a phrase saying where it comes from, e.g. "default: no calibration file". */
  load: LoadModel & { origin: string };
  /** What the listing saw: every object under the source, and the matching non-empty files. */
  listing: { objects: number; files: number; bytes: number; emptyFiles: number; sampled: boolean; limit: number };
  /** What loads now: every matching file (a draft) or those an ingestion has not loaded yet. */
  backfill: { files: number; bytes: number; scope: "ALL_MATCHING" | "NOT_YET_LOADED"; alreadyLoaded?: number };
  /** Files that landed in the last `windowDays`, from the ingestion's history or the listing's lastModified. */
  arrivals: { files: number; bytes: number; windowDays: number; basis: "HISTORY" | "LISTING" };
  /** Source bytes already loaded into the warehouse (an existing ingestion's table). */
  loadedBytes: number;
  schedule: Schedule;
  runs: MonthlyRuns;
  limits: { maxFilesPerRun: number | null; maxBytesPerRun: number | null };
  prices: CostPrices;
  priceOrigins?: Partial<Record<keyof CostPrices, PriceOrigin>>;
  warehouseBytesPerSourceByte: number;
  /**
   * How its runs list the source (domain/listing-plan.ts); FULL when left out. ORDERED lists
   * the new keys each run, and all of them once every `fullListingEveryHours`.
   */
  listingMode?: { mode: ListingModeValue; fullListingEveryHours: number };
  /** An existing ingestion that is paused runs nothing until resumed. */
  paused?: boolean;
  /** Sentences the caller adds (appended to the assumptions). */
  notes?: string[];
}

export interface BackfillCost {
  files: number;
  bytes: number;
  /** Runs the per-run limits need to load it all (1 without limits, 0 with nothing to load). */
  runsNeeded: number;
  /** Load time, rounded to whole milliseconds (the costs use the unrounded time). */
  durationMs: number;
  computeCost: number;
  listRequests: number;
  getRequests: number;
  /** LIST + GET. */
  requestCost: number;
  total: number;
}

export interface MonthlyCost {
  month: CostMonth;
  runs: number;
  /** Files and bytes expected to land per month (arrivals scaled to the month's days). */
  newFiles: number;
  newBytes: number;
  /** Load time of the month's scheduled runs, whole milliseconds. */
  durationMs: number;
  computeCost: number;
  /** Warehouse GB-months: the table as it stands after the backfill plus half the month's growth. */
  storedGbMonths: number;
  storageCost: number;
  listRequests: number;
  getRequests: number;
  requestCost: number;
  total: number;
}

export interface CostBreakdown {
  backfill: BackfillCost;
  monthly: MonthlyCost;
  assumptions: string[];
}

// ---------------------------------------------------------------------------------------------
// Load time

export interface LoadWork {
  /** Runs that load files: each pays the per-run overhead once. */
  runs: number;
  files: number;
  bytes: number;
}

/** Seconds to load `work`: runs × overhead + files × per-file cost + bytes ÷ rate (MB = 10^6 bytes). */
export function loadSeconds(work: LoadWork, model: LoadModel): number {
  const bytesSeconds = model.mbPerSecond > 0 ? work.bytes / (model.mbPerSecond * MB) : 0;
  return (work.runs * model.runOverheadMs + work.files * model.perFileMs) / 1000 + bytesSeconds;
}

/** What one run that claimed `files` files of `bytes` should take, in whole milliseconds (0 with nothing to load). */
export function runLoadMs(claimed: { files: number; bytes: number }, model: LoadModel): number {
  if (claimed.files === 0) return 0;
  return Math.round(loadSeconds({ runs: 1, ...claimed }, model) * 1000);
}

/** One timing of the benchmark: a run of the real pipeline over `files` files holding `bytes`. */
export interface CalibrationCase {
  name: string;
  format: CostFormat;
  /**
   * What the case pins down: RUN_OVERHEAD, a run of one small file; PER_FILE, many small files
   * (a format's per-file cost); RATE, a few large files (a format's byte rate).
   */
  role: "RUN_OVERHEAD" | "PER_FILE" | "RATE";
  files: number;
  bytes: number;
  /** The run's duration as its page shows it. */
  durationMs: number;
}

/** The fitted figures; one left out (undefined) could not be measured and keeps its default. */
export interface LoadCalibration {
  runOverheadMs: number | undefined;
  perFileMs: Partial<Record<CostFormat, number>>;
  mbPerSecond: Partial<Record<CostFormat, number>>;
  /** Why a figure was left out. */
  problems: string[];
}

/**
 * Fits the load model to the benchmark's timings, exactly (as many cases as unknowns): the
 * RUN_OVERHEAD case's format is solved for overhead, per-file cost and rate together from its
 * three cases; every other format then for its per-file cost and rate from its PER_FILE and RATE
 * cases, given that overhead. So the large cases' rate is corrected for their per-file share and
 * the run overhead, and the small cases' per-file cost for their bytes. A format whose figures come
 * out impossible (negative) keeps its defaults, and the problem names the cases.
 */
export function fitLoadModel(cases: CalibrationCase[]): LoadCalibration {
  const result: LoadCalibration = { runOverheadMs: undefined, perFileMs: {}, mbPerSecond: {}, problems: [] };
  const find = (role: CalibrationCase["role"], format?: CostFormat) =>
    cases.find((c) => c.role === role && (format === undefined || c.format === format));
  // ms = overhead + files × perFile + bytes × msPerByte, for two cases with the overhead known.
  const perFileAndRate = (overhead: number, a: CalibrationCase, b: CalibrationCase) => {
    const det = a.files * b.bytes - b.files * a.bytes;
    const ta = a.durationMs - overhead;
    const tb = b.durationMs - overhead;
    return { perFileMs: (ta * b.bytes - tb * a.bytes) / det, msPerByte: (a.files * tb - b.files * ta) / det };
  };
  const oneFile = find("RUN_OVERHEAD");
  let overhead = 0;
  if (!oneFile) {
    result.problems.push("No RUN_OVERHEAD case (one small file) was measured: the per-run overhead keeps its default");
  } else {
    const small = find("PER_FILE", oneFile.format);
    const large = find("RATE", oneFile.format);
    const names = [oneFile, small, large].flatMap((c) => (c ? [c.name] : []));
    if (!small || !large) {
      // Without its format's other cases the one-file run is taken as overhead alone.
      overhead = oneFile.durationMs;
    } else {
      // Differences from the one-file case cancel the overhead: solve those for per-file and rate.
      const minus = (c: CalibrationCase): CalibrationCase => ({
        ...c,
        files: c.files - oneFile.files,
        bytes: c.bytes - oneFile.bytes,
        durationMs: c.durationMs - oneFile.durationMs,
      });
      const f = perFileAndRate(0, minus(small), minus(large));
      overhead = oneFile.durationMs - oneFile.files * f.perFileMs - oneFile.bytes * f.msPerByte;
    }
    if (!Number.isFinite(overhead)) {
      // Cases that do not tell files from bytes (the same shape twice): no solution.
      result.problems.push(`${joinAnd(names)} cannot be solved for a per-run overhead; it keeps its default`);
      overhead = oneFile.durationMs;
    } else {
      if (overhead < 0) {
        result.problems.push(`${oneFile.name} gives a per-run overhead of ${significant(overhead)} ms, which cannot be; it is taken as 0`);
        overhead = 0;
      }
      result.runOverheadMs = Math.round(overhead);
    }
  }
  for (const format of COST_FORMATS) {
    const small = find("PER_FILE", format);
    const large = find("RATE", format);
    if (!small || !large) continue;
    const f = perFileAndRate(overhead, small, large);
    const mbPerSecond = 1 / (f.msPerByte * 1000);
    if (!(f.perFileMs >= 0 && Number.isFinite(f.perFileMs)) || !(f.msPerByte > 0 && Number.isFinite(f.msPerByte))) {
      result.problems.push(
        `${format}: ${small.name} and ${large.name} give a per-file cost of ${significant(f.perFileMs)} ms and ${significant(mbPerSecond)} MB/s, which cannot be; ${format} keeps the default per-file cost and rate`,
      );
      continue;
    }
    result.perFileMs[format] = Number(f.perFileMs.toPrecision(3));
    result.mbPerSecond[format] = Number(mbPerSecond.toFixed(1));
  }
  return result;
}

export function listRequestsPerRun(objects: number): number {
  // An empty listing is still one request.
  return Math.max(1, Math.ceil(objects / S3_KEYS_PER_LIST));
}

/** Three significant digits, without exponents: 1.07, 0.0000331, 1,230. */
function significant(n: number): string {
  return Number(n.toPrecision(3)).toLocaleString("en-US", { maximumFractionDigits: 20 });
}

/** Seconds for the assumptions: three significant digits ("0.155 s", "12.1 s", "1,230 s"). */
function formatSeconds(seconds: number): string {
  return `${significant(seconds)} s`;
}

/** "1 run × 150 ms + 2,400 files × 0.5 ms + 1.00 GiB ÷ 100 MB/s = 0.15 + 1.2 + 10.7 s = 12.1 s" */
function loadBreakdown(work: LoadWork, load: LoadModel): string {
  const parts = [
    (work.runs * load.runOverheadMs) / 1000,
    (work.files * load.perFileMs) / 1000,
    loadSeconds({ runs: 0, files: 0, bytes: work.bytes }, load),
  ];
  return (
    `${plural(work.runs, "run")} × ${significant(load.runOverheadMs)} ms + ${plural(work.files, "file")} × ${significant(load.perFileMs)} ms + ` +
    `${formatBytes(work.bytes)} ÷ ${significant(load.mbPerSecond)} MB/s = ${parts.map(significant).join(" + ")} s = ${formatSeconds(loadSeconds(work, load))}`
  );
}

const count = (n: number) => formatCount(Math.round(n));

function originText(key: keyof CostPrices, o: PriceOrigin | undefined): string {
  if (o === "REQUEST") return "given with this request";
  if (o === "CONFIGURED") return "configured";
  return key === "computePerHour"
    ? "default: about a 2 vCPU / 8 GiB on-demand instance"
    : "default: AWS us-east-1 list price, 2026";
}

function runsNeededFor(files: number, bytes: number, limits: CostInputs["limits"]): number {
  if (files === 0) return 0;
  const byFiles = limits.maxFilesPerRun ? Math.ceil(files / limits.maxFilesPerRun) : 1;
  const byBytes = limits.maxBytesPerRun ? Math.ceil(bytes / limits.maxBytesPerRun) : 1;
  return Math.max(byFiles, byBytes);
}

export function estimateCosts(inputs: CostInputs): CostBreakdown {
  const { prices, listing, runs, limits } = inputs;
  const s3 = inputs.sourceType === "S3";
  const origin = (k: keyof CostPrices) => originText(k, inputs.priceOrigins?.[k]);
  const assumptions: string[] = [];
  const atLeast = listing.sampled ? "at least " : "";

  // Listing
  if (listing.sampled) {
    assumptions.push(
      `Listing stopped at ${count(listing.limit)} objects (the listing bound; there are more): counts, bytes and LIST requests below are lower bounds — at least ${plural(listing.files, "matching file")} (${formatBytes(listing.bytes)}).`,
    );
  } else {
    assumptions.push(
      `The source holds ${plural(listing.objects, "object")}; ${plural(listing.files, "file")} (${formatBytes(listing.bytes)}) match the glob and are not markers (names starting with _ or .).`,
    );
  }
  if (listing.emptyFiles > 0) assumptions.push(`Empty files are skipped, not loaded: ${count(listing.emptyFiles)}.`);

  // Backfill
  const bf = inputs.backfill;
  const bfRuns = runsNeededFor(bf.files, bf.bytes, limits);
  const load = inputs.load;
  const bfSeconds = loadSeconds({ runs: bfRuns, files: bf.files, bytes: bf.bytes }, load);
  const listingMode = inputs.listingMode ?? { mode: "FULL" as const, fullListingEveryHours: 24 };
  const ordered = listingMode.mode === "ORDERED";
  // The backfill's first run lists everything; after it an ordered run lists what sorts after
  // the last key seen (the files it registered are claimed by later runs without listing them again).
  const bfList = s3 && bf.files > 0 ? (ordered ? listRequestsPerRun(listing.objects) + (bfRuns - 1) : bfRuns * listRequestsPerRun(listing.objects)) : 0;
  const bfGet = s3 ? bf.files : 0;
  const bfListCost = (bfList / 1000) * prices.s3ListPer1000;
  const bfGetCost = (bfGet / 1000) * prices.s3GetPer1000;
  const bfCompute = (bfSeconds / 3600) * prices.computePerHour;
  const backfill: BackfillCost = {
    files: bf.files,
    bytes: bf.bytes,
    runsNeeded: bfRuns,
    durationMs: Math.round(bfSeconds * 1000),
    computeCost: bfCompute,
    listRequests: bfList,
    getRequests: bfGet,
    requestCost: bfListCost + bfGetCost,
    total: bfCompute + bfListCost + bfGetCost,
  };
  assumptions.push(
    bf.scope === "ALL_MATCHING"
      ? `Backfill now: the first run loads every matching file, ${atLeast}${plural(bf.files, "file")} (${formatBytes(bf.bytes)}).`
      : `Backfill now: the ${atLeast}${plural(bf.files, "matching file")} (${formatBytes(bf.bytes)}) this ingestion has not loaded yet${bf.alreadyLoaded ? `; ${plural(bf.alreadyLoaded, "file")} it already loaded are not counted` : ""}.`,
  );
  if (bfRuns > 1) {
    assumptions.push(
      ordered
        ? `The per-run limits split the backfill into ${atLeast}${plural(bfRuns, "run")}; the first lists the whole source, each later one (ordered listing) only what sorts after the last key seen.`
        : `The per-run limits split the backfill into ${atLeast}${plural(bfRuns, "run")}; each lists the whole source.`,
    );
  }
  assumptions.push(
    `Load time for ${inputs.format} = ${significant(load.runOverheadMs)} ms per run + ${significant(load.perFileMs)} ms per file + bytes ÷ ${significant(load.mbPerSecond)} MB/s (MB = 10^6 bytes; ${load.origin}). The per-file cost is listing, claiming, reading and recording each file, which is what makes many small files slow; S3 downloads are not counted.`,
  );
  if (bf.files > 0) {
    assumptions.push(`Backfill load time: ${loadBreakdown({ runs: bfRuns, files: bf.files, bytes: bf.bytes }, load)}.`);
  }
  assumptions.push(
    `Compute is billed for load time only, at ${formatUsd(prices.computePerHour)} per hour (${origin("computePerHour")}).`,
  );
  if (s3 && ordered) {
    assumptions.push(
      `S3 requests: ordered listing — each run lists only the keys after the last one it saw, 1 LIST per ${count(S3_KEYS_PER_LIST)} new keys (at least 1 a run), and the whole source once every ${plural(listingMode.fullListingEveryHours, "hour")} to catch late arrivals (${atLeast}${plural(listRequestsPerRun(listing.objects), "LIST request")} for its ${atLeast}${plural(listing.objects, "object")} today); each file loaded is one GET. LIST ${formatUsd(prices.s3ListPer1000)} per 1,000 (${origin("s3ListPer1000")}); GET ${formatUsd(prices.s3GetPer1000)} per 1,000 (${origin("s3GetPer1000")}). The full listing grows as files land; today's count is used.`,
    );
  } else if (s3) {
    assumptions.push(
      `S3 requests: every run lists the whole source, 1 LIST per ${count(S3_KEYS_PER_LIST)} objects (${atLeast}${plural(listing.objects, "object")} today: ${atLeast}${plural(listRequestsPerRun(listing.objects), "LIST request")} per run), and each file loaded is one GET. LIST ${formatUsd(prices.s3ListPer1000)} per 1,000 (${origin("s3ListPer1000")}); GET ${formatUsd(prices.s3GetPer1000)} per 1,000 (${origin("s3GetPer1000")}). The listing grows as files land; today's count is used.`,
    );
  } else {
    assumptions.push("A local directory has no request charges.");
  }

  // Monthly steady state
  const month = runs.month;
  const scale = month.days / inputs.arrivals.windowDays;
  const newFiles = inputs.arrivals.files * scale;
  const newBytes = inputs.arrivals.bytes * scale;
  const scheduled = runs.runs > 0;
  const loadedFiles = scheduled ? newFiles : 0;
  const loadedBytes = scheduled ? newBytes : 0;
  // A scheduled run that finds nothing new loads nothing: at most one loading run per file landed.
  const loadingRuns = scheduled ? Math.min(runs.runs, loadedFiles) : 0;
  const monthlyWork = { runs: loadingRuns, files: loadedFiles, bytes: loadedBytes };
  const mSeconds = loadSeconds(monthlyWork, load);
  const mCompute = (mSeconds / 3600) * prices.computePerHour;
  const monthlyListing = listRequestsPerMonth({
    ...listingMode,
    objects: listing.objects,
    newObjectsPerRun: runs.runs > 0 ? newFiles / runs.runs : 0,
    runsPerMonth: runs.runs,
    keysPerRequest: S3_KEYS_PER_LIST,
  });
  const mList = s3 ? monthlyListing.requests : 0;
  const mGet = s3 ? loadedFiles : 0;
  const mListCost = (mList / 1000) * prices.s3ListPer1000;
  const mGetCost = (mGet / 1000) * prices.s3GetPer1000;
  const ratio = inputs.warehouseBytesPerSourceByte;
  const storedSourceBytes = inputs.loadedBytes + bf.bytes + loadedBytes / 2;
  const storedGbMonths = (ratio * storedSourceBytes) / GB;
  const storageCost = storedGbMonths * prices.storagePerGbMonth;
  const monthly: MonthlyCost = {
    month,
    runs: runs.runs,
    newFiles,
    newBytes,
    durationMs: Math.round(mSeconds * 1000),
    computeCost: mCompute,
    storedGbMonths,
    storageCost,
    listRequests: mList,
    getRequests: mGet,
    requestCost: mListCost + mGetCost,
    total: mCompute + storageCost + mListCost + mGetCost,
  };

  const zone = month.timezone;
  if (scheduled) {
    assumptions.push(
      `Runs per month: ${plural(runs.runs, "run")} — the real fire times of "${describeSchedule(inputs.schedule)}" in ${month.name} (the next full calendar month in ${zone}), clock changes included.`,
    );
  } else if (inputs.schedule.frequency === "NONE") {
    assumptions.push(
      `Manual only: no scheduled runs, so the monthly figure is storage alone. Each run you trigger lists the source${s3 ? (ordered ? ` after the last key it saw (1 LIST request per ${count(S3_KEYS_PER_LIST)} new keys; the whole source, ${plural(listRequestsPerRun(listing.objects), "LIST request")}, once every ${plural(listingMode.fullListingEveryHours, "hour")})` : ` (${plural(listRequestsPerRun(listing.objects), "LIST request")})`) : ""} and loads what landed since the last one, at the rate above.`,
    );
  } else {
    assumptions.push(`The schedule has no fire times in ${month.name} (${zone}): no scheduled runs that month.`);
  }
  if (s3 && scheduled && ordered) {
    assumptions.push(
      `LIST requests in ${month.name}: ${plural(monthlyListing.fullListings, "full listing")} × ${count(monthlyListing.requestsPerFullListing)} + ${plural(runs.runs - monthlyListing.fullListings, "ordered run")} × ${count(monthlyListing.requestsPerRun)} = ${count(monthlyListing.requests)}.`,
    );
  }
  const windowText = `the last ${inputs.arrivals.windowDays} days`;
  assumptions.push(
    `${
      inputs.arrivals.basis === "HISTORY"
        ? `Steady state from this ingestion's history: ${plural(inputs.arrivals.files, "file")} (${formatBytes(inputs.arrivals.bytes)}) that landed and were loaded in ${windowText} (older files it loaded as backfill are not counted)`
        : `Steady state from the listing: ${atLeast}${plural(inputs.arrivals.files, "file")} (${formatBytes(inputs.arrivals.bytes)}) last modified in ${windowText}`
    }; scaled to the ${month.days} days of ${month.name}: ${count(newFiles)} files (${formatBytes(newBytes)}) per month, loaded by the scheduled runs as they land${
      scheduled && loadedFiles > 0 ? `: ${loadBreakdown(monthlyWork, load)} of load a month` : ""
    }.`,
  );
  assumptions.push(
    `Warehouse storage: the DuckDB table is taken as ${ratio}× the source bytes (DuckDB's compression usually stores JSON and CSV in less); ${month.name} stores ${inputs.loadedBytes > 0 ? "what is loaded already, " : ""}the backfill and half the month's new data, ${significant(storedGbMonths)} GB-months at ${formatUsd(prices.storagePerGbMonth)} per GB-month (GB = 2^30 bytes; ${origin("storagePerGbMonth")}). Each later month adds ${formatUsd(((ratio * loadedBytes) / GB) * prices.storagePerGbMonth)} as the table grows.`,
  );
  if (scheduled) {
    const perRunFiles = newFiles / runs.runs;
    const perRunBytes = newBytes / runs.runs;
    if (limits.maxFilesPerRun !== null && perRunFiles > limits.maxFilesPerRun) {
      assumptions.push(
        `About ${perRunFiles.toFixed(1)} files land per run, more than the limit of ${count(limits.maxFilesPerRun)} per run: the backlog would grow.`,
      );
    }
    if (limits.maxBytesPerRun !== null && perRunBytes > limits.maxBytesPerRun) {
      assumptions.push(
        `About ${formatBytes(perRunBytes)} land per run, more than the limit of ${formatBytes(limits.maxBytesPerRun)} per run: the backlog would grow.`,
      );
    }
  }
  if (inputs.paused) assumptions.push("The ingestion is paused: the monthly figures apply once it is resumed.");
  assumptions.push(...(inputs.notes ?? []));
  return { backfill, monthly, assumptions };
}
