// The calibrated load model of a format (per-run overhead, per-file cost, MB/s): what `npm run
// bench` wrote, with defaults for what it lacks. Pure: engine/calibration.ts reads the file and
// hands over what it found; cost estimates and every run's claim-time estimate use that.
import { z } from "zod";
import { DEFAULT_LOAD_MODEL, type CostFormat, type LoadModel } from "@/server/domain/cost";
import { joinAnd } from "@/shared/format";

export interface ResolvedLoadModel extends LoadModel {
  format: CostFormat;
  /** CALIBRATION: every figure measured; PARTIAL: some (a calibration file older than the per-file model has rates only); DEFAULT: none. */
  source: "CALIBRATION" | "PARTIAL" | "DEFAULT";
  measuredAt: Date | null;
  /** Where the figures come from, for the assumptions: "measured by npm run bench on …" / "default: …". */
  origin: string;
  /** Set when the calibration file exists but cannot be used. */
  problem: string | null;
}

const positiveRate = z.number().positive().finite().optional();
const milliseconds = z.number().nonnegative().finite().optional();
/** What scripts/bench.ts writes. Files written before the per-file model have `mbPerSecond` only. */
export const calibrationFileSchema = z.object({
  measuredAt: z.iso.datetime({ offset: true }).optional(),
  quick: z.boolean().optional(),
  runOverheadMs: milliseconds,
  perFileMs: z.object({ JSON: milliseconds, CSV: milliseconds, PARQUET: milliseconds }).optional(),
  mbPerSecond: z.object({ JSON: positiveRate, CSV: positiveRate, PARQUET: positiveRate }),
});
export type CalibrationFile = z.infer<typeof calibrationFileSchema>;

const MODEL_PARTS = [
  ["runOverheadMs", "per-run overhead"],
  ["perFileMs", "per-file cost"],
  ["mbPerSecond", "rate"],
] as const satisfies readonly (readonly [keyof LoadModel, string])[];

/** What reading the calibration file gave: no file configured, its text, or the error reading it. */
export type CalibrationRead = { file?: undefined } | { file: string; text: string } | { file: string; error: NodeJS.ErrnoException };

/**
 * The load model of a format: from the calibration `npm run bench` writes (config.cost.calibrationFile),
 * figure by figure, with the default for each one it lacks (an older file has no per-file cost or
 * overhead), and every default when there is no file or it cannot be read (never an error).
 */
export function resolveLoadModel(format: CostFormat, read: CalibrationRead): ResolvedLoadModel {
  const defaults = DEFAULT_LOAD_MODEL[format];
  const fallback = (origin: string, problem: string | null = null): ResolvedLoadModel => ({
    format,
    ...defaults,
    source: "DEFAULT",
    measuredAt: null,
    origin,
    problem,
  });
  const file = read.file;
  if (!file) return fallback("default: no calibration file is configured");
  if ("error" in read) {
    if (read.error.code === "ENOENT") {
      return fallback(`default: ${file} does not exist yet; npm run bench measures this machine and writes it`);
    }
    const problem = `The calibration file ${file} cannot be read (${read.error.message})`;
    return fallback(`default: ${file} cannot be read`, problem);
  }
  const { text } = read;
  let parsed: CalibrationFile;
  try {
    const result = calibrationFileSchema.safeParse(JSON.parse(text));
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new Error(`${issue?.path.join(".") || "the file"}: ${issue?.message ?? "unexpected content"}`);
    }
    parsed = result.data;
  } catch (error) {
    const problem = `The calibration file ${file} is not valid (${(error as Error).message}); default load figures are used until npm run bench rewrites it`;
    return fallback(`default: ${file} is not valid`, problem);
  }
  const measured: Partial<LoadModel> = {
    runOverheadMs: parsed.runOverheadMs,
    perFileMs: parsed.perFileMs?.[format],
    mbPerSecond: parsed.mbPerSecond[format],
  };
  const found = MODEL_PARTS.filter(([key]) => measured[key] !== undefined).map(([, name]) => name);
  const missing = MODEL_PARTS.filter(([key]) => measured[key] === undefined).map(([, name]) => name);
  if (found.length === 0) return fallback(`default: ${file} has no ${format} figures`);
  const measuredAt = parsed.measuredAt ? new Date(parsed.measuredAt) : null;
  const how = `measured by npm run bench${measuredAt ? ` on ${measuredAt.toISOString().slice(0, 10)}` : ""}${parsed.quick ? " in --quick mode (small data, a rougher figure)" : ""}`;
  return {
    format,
    runOverheadMs: measured.runOverheadMs ?? defaults.runOverheadMs,
    perFileMs: measured.perFileMs ?? defaults.perFileMs,
    mbPerSecond: measured.mbPerSecond ?? defaults.mbPerSecond,
    source: missing.length === 0 ? "CALIBRATION" : "PARTIAL",
    measuredAt,
    origin:
      missing.length === 0
        ? how
        : `${joinAnd(found)} ${how}; ${joinAnd(missing)}: default, not in ${file} (npm run bench writes ${missing.length === 1 ? "it" : "them"})`,
    problem: null,
  };
}
