// Previews a source before an ingestion exists: counts what the glob matches, then reads a bounded
// sample (the first matched files, up to a file count and a byte budget) the way a run would.
import { randomBytes } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { DomainError } from "@/server/domain/errors";
import { previewFiles, type PreviewFile } from "@/server/engine/preview";
import { candidate, withinRunLimits } from "@/server/domain/file-selection";
import { mapLimit } from "@/server/domain/map-limit";
import { listBounded } from "@/server/sources/listing";
import { SourceError, type Source, type SourceObject } from "@/server/sources/source";
import type { PreviewLimits, ServiceDeps } from "@/server/deps";
import { findStoredConnection, sourceErrorField } from "../connections/connection-rules";
import type { PreviewInput, PreviewOutput, PreviewOutputWarning } from "@/shared/contracts/ingestions-preview";

export const DEFAULT_PREVIEW_LIMITS: Required<PreviewLimits> = {
  maxFiles: 20,
  maxBytes: 64 * 1024 * 1024,
  maxListed: 100_000,
};

/** Failures of the whole source (not of one object): the preview stops with them. */
const SOURCE_WIDE: ReadonlySet<SourceError["code"]> = new Set(["UNREACHABLE", "NO_CREDENTIALS", "INVALID_CREDENTIALS", "NO_SUCH_BUCKET", "ENDPOINT_REFUSED"]);

const count = (n: number) => n.toLocaleString("en-US");

/** A storage failure as the form shows it: a bad request, on the field to fix. */
function storageError(error: SourceError): DomainError {
  return new DomainError("BAD_REQUEST", error.message, sourceErrorField(error));
}

function limitsOf(deps: ServiceDeps): Required<PreviewLimits> {
  const configured = deps.config.preview;
  return {
    maxFiles: configured?.maxFiles ?? DEFAULT_PREVIEW_LIMITS.maxFiles,
    maxBytes: configured?.maxBytes ?? DEFAULT_PREVIEW_LIMITS.maxBytes,
    maxListed: configured?.maxListed ?? DEFAULT_PREVIEW_LIMITS.maxListed,
  };
}

interface Listing {
  listed: number;
  matched: number;
  matchedBytes: number;
  truncated: boolean;
  sample: SourceObject[];
  /** The first matched file left out of the sample because of the byte budget. */
  overBudget: SourceObject | null;
}

/** Lists up to `maxListed` objects, counting the matches and keeping the first ones as the sample. */
async function listSource(source: Source, input: PreviewInput, limits: Required<PreviewLimits>): Promise<Listing> {
  // Empty files are matched and sampled too: the preview reads past them, as a run skips them.
  const selected = candidate({ glob: input.source.glob ?? null, modifiedAfter: input.source.modifiedAfter ?? null }, { emptyFiles: "include" });
  let matched = 0;
  let matchedBytes = 0;
  /** The first matched files, as many as the sample may hold. */
  const first: SourceObject[] = [];
  const listing = await listBounded(source, limits.maxListed, (objects) => {
    for (const o of objects) {
      if (!selected(o)) continue;
      matched += 1;
      matchedBytes += o.size;
      if (first.length < limits.maxFiles) first.push(o);
    }
  });
  // The first files, not a pick of small ones: the sample stops at the first that does not fit
  // the byte budget (as a run's claim stops at its limits).
  const sample = withinRunLimits(first, { maxFiles: limits.maxFiles, maxBytes: limits.maxBytes });
  const overBudget = first[sample.length] ?? null;
  return { listed: listing.listed, matched, matchedBytes, truncated: listing.truncated, sample, overBudget };
}

function noMatchMessage(uri: string, input: PreviewInput, listed: number): string {
  if (listed === 0) return `No files under ${uri}`;
  const conditions = [
    input.source.glob ? `match '${input.source.glob}'` : null,
    input.source.modifiedAfter ? `were modified after ${input.source.modifiedAfter.toISOString()}` : null,
  ].filter((c) => c !== null);
  const what = conditions.length > 0 ? ` ${conditions.join(" and ")}` : "";
  return `No files under ${uri}${what} (${count(listed)} listed; names starting with _ or . are skipped)`;
}

export async function previewSource(deps: ServiceDeps, tenantId: string, input: PreviewInput): Promise<PreviewOutput> {
  const limits = limitsOf(deps);
  // The tenant's own connection, checked against its grants as a run checks it.
  const connection = await findStoredConnection(deps, tenantId, input.source.connection);
  const warnings: PreviewOutputWarning[] = [];

  let source: Source;
  let listing: Listing;
  try {
    source = await deps.engine.sources({ tenantId, connectionId: connection.id, sourcePath: input.source.path });
    listing = await listSource(source, input, limits);
  } catch (error) {
    if (error instanceof SourceError) throw storageError(error);
    throw error;
  }

  const result: PreviewOutput = {
    source: { type: source.type, uri: source.uri, glob: input.source.glob ?? null },
    matchedFiles: listing.matched,
    matchedBytes: listing.matchedBytes,
    listedObjects: listing.listed,
    listingTruncated: listing.truncated,
    filesSampled: 0,
    bytesSampled: 0,
    sampledFiles: [],
    columns: [],
    csvDialects: input.format.type === "CSV" ? [] : null,
    rows: [],
    warnings,
  };
  if (listing.truncated) {
    warnings.push({
      code: "LISTING_TRUNCATED",
      message: `Listing stopped after ${count(listing.listed)} objects: at least ${count(listing.matched)} files (${count(listing.matchedBytes)} bytes) match`,
      path: null,
      column: null,
    });
  }
  if (listing.matched === 0) {
    warnings.push({ code: "NO_MATCHES", message: noMatchMessage(source.uri, input, listing.listed), path: null, column: null });
    return result;
  }
  if (listing.overBudget) {
    warnings.push({
      code: "SAMPLE_LIMITED",
      message:
        `Sampled the first ${count(listing.sample.length)} matched files: the next, ${listing.overBudget.path} ` +
        `(${count(listing.overBudget.size)} bytes), would take the sample past ${count(limits.maxBytes)} bytes`,
      path: listing.overBudget.path,
      column: null,
    });
  }

  // S3 objects are downloaded here; DuckDB spills here too. Gone afterwards, whatever happens.
  const staging = path.join(deps.engine.settings.stagingDir, `preview-${randomBytes(8).toString("hex")}`);
  // What localize holds (open local files, staged copies) until the preview has read them.
  const localized: string[] = [];
  try {
    await mkdir(staging, { recursive: true });
    const fetched = await mapLimit(listing.sample, deps.engine.settings.downloadConcurrency, async (o) => {
      try {
        const localPath = await source.localize(o.path, staging);
        localized.push(localPath);
        return { object: o, localPath, error: null };
      } catch (error) {
        if (!(error instanceof SourceError)) throw error;
        if (SOURCE_WIDE.has(error.code)) throw storageError(error);
        return { object: o, localPath: null, error: error.message };
      }
    });
    const readable: PreviewFile[] = [];
    for (const f of fetched) {
      if (f.localPath === null) {
        warnings.push({ code: "UNREADABLE_FILE", message: `Cannot read ${f.object.path}: ${f.error}`, path: f.object.path, column: null });
      } else {
        readable.push({ path: f.object.path, localPath: f.localPath, size: f.object.size });
      }
    }
    const preview = await previewFiles(readable, input.format, input.hints, {
      sampleRows: input.sampleRows,
      tempDir: path.join(staging, ".duckdb-tmp"),
      resources: deps.engine.warehouse.resources,
    });
    warnings.push(...preview.warnings);
    result.filesSampled = listing.sample.length;
    result.bytesSampled = listing.sample.reduce((n, o) => n + o.size, 0);
    result.sampledFiles = fetched.map((f) => ({
      path: f.object.path,
      bytes: f.object.size,
      error: f.error ?? preview.errors.get(f.object.path) ?? null,
    }));
    result.columns = preview.columns;
    result.rows = preview.rows;
    if (input.format.type === "CSV") {
      const o = input.format.options;
      const detected = { delimiter: o.delimiter == null, quote: o.quote == null, escape: o.escape == null };
      result.csvDialects = preview.dialects.map((d) => ({ path: d.path, ...d.dialect, detected }));
    }
    return result;
  } finally {
    await source.release(localized);
    await rm(staging, { recursive: true, force: true });
  }
}
