// Source previews end to end: local directories and a real S3-compatible server (s3rver), each
// format, hints, files that disagree or cannot be read, storage errors, and the sample bounds.
import { mkdir, readdir, symlink, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { DeleteObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DomainError } from "@/server/domain/errors";
import { literal } from "@/server/engine/sql";
import type { PreviewLimits, ServiceDeps } from "@/server/deps";
import type { Source } from "@/server/sources/source";
import { grantsForAll } from "@/server/domain/grants";
import { createConnection } from "@/server/services/connections/create-connection";
import { createConnectionInput } from "@/shared/contracts/connections";
import { ensureTenant } from "@/server/services/auth/tenants";
import type { SourceFactory } from "@/server/sources/source-factory";
import { createLocalConnection, createS3Connection, filesSource, FILES, testGrant, testSecrets } from "@/test/connection-fixtures";
import { createTestDatabase, type TestDatabase, testDeps, grantsWith, withConfig } from "@/test/world";
import { withMemoryDuckDb } from "@/test/duckdb-files";
import { jsonl, writeFiles } from "@/test/run-fixtures";
import { freePort, S3RVER_CREDENTIALS, startS3Server, type S3TestServer } from "@/test/s3-server";
import { makeTempDir, type TempDir } from "@/test/temp-dirs";
import { previewSource } from "./preview-source";
import { previewInput, previewOutput, type PreviewDraft, type PreviewOutput } from "@/shared/contracts/ingestions-preview";

const BUCKET = "landing";

/** Records the objects each source localizes (what the preview actually reads). */
interface LocalizeProbe {
  paths: string[];
  /** Runs before an object is localized (e.g. to delete it first). */
  before: ((path: string) => Promise<void>) | null;
}

function probedFactory(inner: SourceFactory, probe: LocalizeProbe): SourceFactory {
  return async (spec) => {
    const source = await inner(spec);
    const counted: Source = {
      type: source.type,
      uri: source.uri,
      list: (cursor, pageSize) => source.list(cursor, pageSize),
      stat: (p) => source.stat(p),
      async localize(p, stagingDir) {
        probe.paths.push(p);
        await probe.before?.(p);
        return source.localize(p, stagingDir);
      },
      release: (paths) => source.release(paths),
      uriOf: (p) => source.uriOf(p),
    };
    return counted;
  };
}

describe("previewSource (PGlite + local files + s3rver + DuckDB)", () => {
  let t: TestDatabase;
  let s3: S3TestServer;
  let root: TempDir;
  let deps: ServiceDeps;
  let tenantId: string;
  const probe: LocalizeProbe = { paths: [], before: null };

  beforeAll(async () => {
    [t, s3, root] = await Promise.all([createTestDatabase("pglite"), startS3Server(), makeTempDir("preview")]);
    await s3.createBucket(BUCKET);
    // The tenant is granted the root and the test server; it previews through its connections.
    const grants = grantsForAll(testGrant([root.path], [s3.endpoint]));
    const secrets = testSecrets();
    deps = testDeps(t.database.prisma, { localRoots: [root.path], grants, secrets, wrapSources: (base) => probedFactory(base, probe) });
    tenantId = (await ensureTenant(deps, `preview-${Math.random().toString(36).slice(2, 8)}`)).id;
    await createLocalConnection(deps, tenantId, FILES, root.path);
    await createS3Connection(deps, tenantId, "s3", { endpoint: s3.endpoint, bucket: BUCKET });
  });
  beforeEach(() => {
    probe.paths = [];
    probe.before = null;
  });
  afterAll(async () => {
    if (deps) await deps.engine.warehouse.close();
    await s3?.stop();
    await root?.remove();
    await t?.destroy();
  });

  /** A directory under the root, through the "files" connection. */
  const at = (dir: string, extra: { glob?: string; modifiedAfter?: string } = {}) => filesSource(root.path, dir, extra);

  let n = 0;
  /** A fresh directory under the root holding `files`. */
  async function landing(files: Record<string, string | Buffer>): Promise<string> {
    n += 1;
    const dir = path.join(root.path, `landing-${n}`);
    await mkdir(dir, { recursive: true });
    await writeFiles(dir, files);
    return dir;
  }

  async function preview(draft: PreviewDraft, limits?: PreviewLimits): Promise<PreviewOutput> {
    const d = limits ? { ...deps, config: { ...deps.config, preview: limits } } : deps;
    const out = await previewSource(d, tenantId, previewInput.parse(draft));
    // What the router will check on the way out.
    expect(previewOutput.parse(out)).toEqual(out);
    return out;
  }

  async function previewError(draft: PreviewDraft, d: ServiceDeps = deps): Promise<DomainError> {
    const error = await previewSource(d, tenantId, previewInput.parse(draft)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }

  /** Preview directories left in the staging area (there must be none after a preview). */
  async function leftoverStaging(): Promise<string[]> {
    const entries = await readdir(deps.engine.settings.stagingDir).catch(() => []);
    return entries.filter((e) => e.startsWith("preview-"));
  }

  it("JSON lines: counts the matched files, infers the schema and returns the first rows", async () => {
    const dir = await landing({
      "2026/01/a.jsonl": jsonl([
        { id: 1, name: "Ada", amount: 1.5 },
        { id: 2, name: "Linus", amount: 2 },
      ]),
      "2026/01/b.jsonl": jsonl([{ id: 3, name: "Grace", amount: 0.25 }]),
      "2026/01/_SUCCESS": "",
      "2026/01/notes.txt": "not data",
    });
    const out = await preview({
      source: at(dir, { glob: "**/*.jsonl" }),
      format: { type: "JSON", options: { layout: "NEWLINE_DELIMITED", compression: "AUTO" } },
    });
    const sizeA = Buffer.byteLength(jsonl([{ id: 1, name: "Ada", amount: 1.5 }, { id: 2, name: "Linus", amount: 2 }]));
    const sizeB = Buffer.byteLength(jsonl([{ id: 3, name: "Grace", amount: 0.25 }]));
    expect(out).toEqual({
      source: { type: "LOCAL", uri: dir, glob: "**/*.jsonl" },
      matchedFiles: 2,
      matchedBytes: sizeA + sizeB,
      listedObjects: 4,
      listingTruncated: false,
      filesSampled: 2,
      bytesSampled: sizeA + sizeB,
      sampledFiles: [
        { path: "2026/01/a.jsonl", bytes: sizeA, error: null },
        { path: "2026/01/b.jsonl", bytes: sizeB, error: null },
      ],
      columns: [
        { name: "id", type: "BIGINT", inferredType: "BIGINT", origin: "inferred", presentIn: 2 },
        { name: "name", type: "VARCHAR", inferredType: "VARCHAR", origin: "inferred", presentIn: 2 },
        { name: "amount", type: "DOUBLE", inferredType: "DOUBLE", origin: "inferred", presentIn: 2 },
      ],
      csvDialects: null,
      rows: [
        { file: "2026/01/a.jsonl", values: ["1", "Ada", 1.5] },
        { file: "2026/01/a.jsonl", values: ["2", "Linus", 2] },
        { file: "2026/01/b.jsonl", values: ["3", "Grace", 0.25] },
      ],
      warnings: [],
    });
    expect(await leftoverStaging()).toEqual([]);
  });

  it("JSON array: nested values, dates and timestamps come back JSON-safe; sampleRows bounds the rows", async () => {
    const dir = await landing({
      "people.json": JSON.stringify([
        { id: 1, born: "1815-12-10", seen: "2026-01-02T03:04:05", tags: ["x", "y"], at: { city: "London" } },
        { id: 2, born: "1906-12-09", seen: "2026-02-03T04:05:06", tags: [], at: { city: "New York" } },
        { id: 3, born: "1912-06-23", seen: "2026-03-04T05:06:07", tags: ["z"], at: null },
      ]),
    });
    const out = await preview({
      source: at(dir),
      format: { type: "JSON", options: { layout: "ARRAY", compression: "AUTO" } },
      sampleRows: 2,
    });
    expect(out.columns).toEqual([
      { name: "id", type: "BIGINT", inferredType: "BIGINT", origin: "inferred", presentIn: 1 },
      { name: "born", type: "DATE", inferredType: "DATE", origin: "inferred", presentIn: 1 },
      { name: "seen", type: "TIMESTAMP", inferredType: "TIMESTAMP", origin: "inferred", presentIn: 1 },
      { name: "tags", type: "VARCHAR[]", inferredType: "VARCHAR[]", origin: "inferred", presentIn: 1 },
      { name: "at", type: "STRUCT(city VARCHAR)", inferredType: "STRUCT(city VARCHAR)", origin: "inferred", presentIn: 1 },
    ]);
    expect(out.rows).toEqual([
      { file: "people.json", values: ["1", "1815-12-10", "2026-01-02 03:04:05", ["x", "y"], { city: "London" }] },
      { file: "people.json", values: ["2", "1906-12-09", "2026-02-03 04:05:06", [], { city: "New York" }] },
    ]);
    expect(out.warnings).toEqual([]);
  });

  it("CSV with its options: delimiter, header and null string", async () => {
    const dir = await landing({
      "in/a.csv": "id;name;amount\n1;Doe, Jane;10.5\n2;NA;NA\n",
      "in/b.csv": "id;name;amount\n3;Bob;7\n",
    });
    const out = await preview({
      source: at(dir, { glob: "in/*.csv" }),
      format: { type: "CSV", options: { delimiter: ";", header: true, quote: '"', escape: '"', nullString: "NA", compression: "AUTO" } },
    });
    // amount is DOUBLE in a.csv and BIGINT in b.csv: a lossless widening, not worth a warning.
    expect(out).toMatchObject({ matchedFiles: 2, filesSampled: 2, warnings: [] });
    expect(out.columns).toEqual([
      { name: "id", type: "BIGINT", inferredType: "BIGINT", origin: "inferred", presentIn: 2 },
      { name: "name", type: "VARCHAR", inferredType: "VARCHAR", origin: "inferred", presentIn: 2 },
      { name: "amount", type: "DOUBLE", inferredType: "DOUBLE", origin: "inferred", presentIn: 2 },
    ]);
    expect(out.rows).toEqual([
      { file: "in/a.csv", values: ["1", "Doe, Jane", 10.5] },
      { file: "in/a.csv", values: ["2", null, null] },
      { file: "in/b.csv", values: ["3", "Bob", 7] },
    ]);
  });

  it("Parquet: the writer's types are kept, files with different columns are merged by name", async () => {
    const dir = await landing({});
    await withMemoryDuckDb(async (c) => {
      await c.run(
        `COPY (SELECT 1::INTEGER AS id, 'a' AS name, DATE '2026-01-02' AS day, 1.25::DECIMAL(10,2) AS amount
               UNION ALL SELECT 2, 'b', DATE '2026-01-03', 20.5)
         TO ${literal(path.join(dir, "p1.parquet"))} (FORMAT parquet)`,
      );
      await c.run(`COPY (SELECT 3::INTEGER AS id, 'c' AS name, true AS flag) TO ${literal(path.join(dir, "p2.parquet"))} (FORMAT parquet)`);
    });
    const out = await preview({ source: at(dir, { glob: "*.parquet" }), format: { type: "PARQUET" } });
    expect(out.columns).toEqual([
      { name: "id", type: "INTEGER", inferredType: "INTEGER", origin: "inferred", presentIn: 2 },
      { name: "name", type: "VARCHAR", inferredType: "VARCHAR", origin: "inferred", presentIn: 2 },
      { name: "day", type: "DATE", inferredType: "DATE", origin: "inferred", presentIn: 1 },
      { name: "amount", type: "DECIMAL(10,2)", inferredType: "DECIMAL(10,2)", origin: "inferred", presentIn: 1 },
      { name: "flag", type: "BOOLEAN", inferredType: "BOOLEAN", origin: "inferred", presentIn: 1 },
    ]);
    expect(out.rows).toEqual([
      { file: "p1.parquet", values: [1, "a", "2026-01-02", "1.25", null] },
      { file: "p1.parquet", values: [2, "b", "2026-01-03", "20.50", null] },
      { file: "p2.parquet", values: [3, "c", null, null, true] },
    ]);
    expect(out.warnings).toEqual([
      {
        code: "MISSING_COLUMN",
        message: "Column 'day' is missing from 1 of 2 sampled files (p2.parquet); their rows have NULL there",
        path: null,
        column: "day",
      },
      {
        code: "MISSING_COLUMN",
        message: "Column 'amount' is missing from 1 of 2 sampled files (p2.parquet); their rows have NULL there",
        path: null,
        column: "amount",
      },
      {
        code: "MISSING_COLUMN",
        message: "Column 'flag' is missing from 1 of 2 sampled files (p1.parquet); their rows have NULL there",
        path: null,
        column: "flag",
      },
    ]);
  });

  it("hints: override inferred types (any case), add hinted columns no file has, and warn about values that do not convert", async () => {
    const dir = await landing({
      "a.jsonl": jsonl([
        { id: 1, code: 7, price: "1.50", qty: 2 },
        { id: 2, code: 8, price: "abc", qty: 2.5 },
        { id: 3, code: 9, price: "3", qty: 4 },
      ]),
    });
    const out = await preview({
      source: at(dir),
      format: { type: "JSON" },
      hints: { CODE: "varchar", price: "DECIMAL(10, 2)", qty: "BIGINT", region: "VARCHAR" },
    });
    expect(out.columns).toEqual([
      { name: "id", type: "BIGINT", inferredType: "BIGINT", origin: "inferred", presentIn: 1 },
      { name: "code", type: "VARCHAR", inferredType: "BIGINT", origin: "hint", presentIn: 1 },
      { name: "price", type: "DECIMAL(10,2)", inferredType: "VARCHAR", origin: "hint", presentIn: 1 },
      { name: "qty", type: "BIGINT", inferredType: "DOUBLE", origin: "hint", presentIn: 1 },
      { name: "region", type: "VARCHAR", inferredType: null, origin: "hint-only", presentIn: 0 },
    ]);
    expect(out.rows).toEqual([
      { file: "a.jsonl", values: ["1", "7", "1.50", "2", null] },
      { file: "a.jsonl", values: ["2", "8", null, null, null] },
      { file: "a.jsonl", values: ["3", "9", "3.00", "4", null] },
    ]);
    expect(out.warnings).toEqual([
      {
        code: "HINT_NOT_FOUND",
        message: "Hinted column 'region' is in none of the sampled files; it is typed VARCHAR once files have it",
        path: null,
        column: "region",
      },
      {
        code: "HINT_CONVERSION",
        message:
          "1 of 3 sampled rows have a value in 'price' that does not convert to DECIMAL(10,2) (e.g. \"abc\" in a.jsonl): " +
          "the sample shows NULL, and a load fails the files that hold such values",
        path: null,
        column: "price",
      },
      {
        code: "HINT_CONVERSION",
        message:
          "1 of 3 sampled rows have a value in 'qty' that does not convert to BIGINT (e.g. \"2.5\" in a.jsonl): " +
          "the sample shows NULL, and a load fails the files that hold such values",
        path: null,
        column: "qty",
      },
    ]);
  });

  it("a key named like the loader's own column is previewed under the name a load gives it; a hint on the loader's column is reported", async () => {
    const dir = await landing({ "a.jsonl": jsonl([{ id: 1, _source_file: "elsewhere" }]) });
    const out = await preview({ source: at(dir), format: { type: "JSON" }, hints: { _RESCUED_DATA: "JSON" } });
    expect(out.columns).toEqual([
      { name: "id", type: "BIGINT", inferredType: "BIGINT", origin: "inferred", presentIn: 1 },
      { name: "_source_file_1", type: "VARCHAR", inferredType: "VARCHAR", origin: "inferred", presentIn: 1 },
    ]);
    expect(out.rows).toEqual([{ file: "a.jsonl", values: ["1", "elsewhere"] }]);
    expect(out.warnings).toEqual([
      {
        code: "COLUMN_RENAMED",
        message: `Key "_source_file" is the name of the loader's own column: loaded as column '_source_file_1' (the loader's '_source_file' is kept)`,
        path: null,
        column: "_source_file_1",
      },
      {
        code: "RESERVED_COLUMN",
        message: "The hint on '_RESCUED_DATA' is ignored: the loader fills that column itself",
        path: null,
        column: "_RESCUED_DATA",
      },
    ]);
  });

  it("CSV: shows the dialect each sampled file is read with, detected when not set, and says when files differ", async () => {
    const dir = await landing({ "a.csv": "id;name;city\n1;Ada;Oslo\n", "b.csv": "id\tname\tcity\n2\tBob\tLima\n" });
    const out = await preview({ source: at(dir), format: { type: "CSV" } });
    expect(out.columns.map((c) => `${c.name} ${c.type}`)).toEqual(["id BIGINT", "name VARCHAR", "city VARCHAR"]);
    expect(out.csvDialects).toEqual([
      { path: "a.csv", delimiter: ";", quote: null, escape: null, header: true, detected: { delimiter: true, quote: true, escape: true } },
      { path: "b.csv", delimiter: "\t", quote: null, escape: null, header: true, detected: { delimiter: true, quote: true, escape: true } },
    ]);
    expect(out.warnings).toEqual([
      {
        code: "CSV_DIALECTS_DIFFER",
        message: `The sampled CSV files use different delimiters: ";" in a.csv; "\\t" in b.csv; each file is read with its own`,
        path: null,
        column: null,
      },
    ]);
    const set = await preview({ source: at(dir, { glob: "a.csv" }), format: { type: "CSV", options: { delimiter: ",", quote: '"' } } });
    expect(set.csvDialects).toEqual([
      { path: "a.csv", delimiter: ",", quote: '"', escape: null, header: true, detected: { delimiter: false, quote: false, escape: true } },
    ]);
    expect(set.columns.map((c) => c.name)).toEqual(["id;name;city"]);
    expect(set.warnings).toEqual([
      {
        code: "CSV_DELIMITER_MISMATCH",
        message: `a.csv reads as one column with the delimiter ",", but looks delimited by ";" (3 columns): leave the delimiter empty to detect it, or set ";"`,
        path: "a.csv",
        column: null,
      },
    ]);
  });

  it("mixed schemas: names the files that disagree and the unreadable ones, and previews the rest", async () => {
    const dir = await landing({
      "a.jsonl": jsonl([{ id: 1, name: "a" }]),
      "b.jsonl": jsonl([{ id: 2, name: "b", email: "b@example.com" }]),
      "c.jsonl": jsonl([{ id: "three", name: "c" }]),
      "d.jsonl": "{not json\n",
      // Empty: no rows and no schema, so it neither adds columns nor lacks them.
      "e.jsonl": "",
    });
    const out = await preview({ source: at(dir, { glob: "*.jsonl" }), format: { type: "JSON" } });
    const message = 'Invalid Input Error: Malformed JSON in file "d.jsonl", at byte 2 in record/value 2: unexpected character.';
    expect(out.sampledFiles.map((f) => [f.path, f.error])).toEqual([
      ["a.jsonl", null],
      ["b.jsonl", null],
      ["c.jsonl", null],
      ["d.jsonl", message],
      ["e.jsonl", null],
    ]);
    expect(out.columns).toEqual([
      { name: "id", type: "JSON", inferredType: "JSON", origin: "inferred", presentIn: 3 },
      { name: "name", type: "VARCHAR", inferredType: "VARCHAR", origin: "inferred", presentIn: 3 },
      { name: "email", type: "VARCHAR", inferredType: "VARCHAR", origin: "inferred", presentIn: 1 },
    ]);
    expect(out.rows).toEqual([
      { file: "a.jsonl", values: ["1", "a", null] },
      { file: "b.jsonl", values: ["2", "b", "b@example.com"] },
      { file: "c.jsonl", values: ['"three"', "c", null] },
    ]);
    expect(out.warnings).toEqual([
      { code: "UNREADABLE_FILE", message: `Cannot read d.jsonl: ${message}`, path: "d.jsonl", column: null },
      {
        code: "TYPE_MISMATCH",
        message: "Column 'id' has different types in the sampled files: BIGINT in a.jsonl, b.jsonl; VARCHAR in c.jsonl (read as JSON)",
        path: null,
        column: "id",
      },
      {
        code: "MISSING_COLUMN",
        message: "Column 'email' is missing from 2 of 3 sampled files (a.jsonl, c.jsonl); their rows have NULL there",
        path: null,
        column: "email",
      },
    ]);
  });

  it("a corrupt Parquet file is a warning with DuckDB's message; a hint resolves a type disagreement", async () => {
    const dir = await landing({ "bad.parquet": "garbage" });
    await withMemoryDuckDb(async (c) => {
      await c.run(`COPY (SELECT 1::INTEGER AS v) TO ${literal(path.join(dir, "a.parquet"))} (FORMAT parquet)`);
      await c.run(`COPY (SELECT 'x' AS v) TO ${literal(path.join(dir, "b.parquet"))} (FORMAT parquet)`);
    });
    const out = await preview({ source: at(dir), format: { type: "PARQUET" }, hints: { v: "VARCHAR" } });
    expect(out.columns).toEqual([{ name: "v", type: "VARCHAR", inferredType: "VARCHAR", origin: "hint", presentIn: 2 }]);
    expect(out.rows).toEqual([
      { file: "a.parquet", values: ["1"] },
      { file: "b.parquet", values: ["x"] },
    ]);
    expect(out.warnings).toEqual([
      {
        code: "UNREADABLE_FILE",
        message: "Cannot read bad.parquet: Invalid Input Error: File 'bad.parquet' too small to be a Parquet file",
        path: "bad.parquet",
        column: null,
      },
      {
        code: "TYPE_MISMATCH",
        message: "Column 'v' has different types in the sampled files: INTEGER in a.parquet; VARCHAR in b.parquet (hinted VARCHAR)",
        path: null,
        column: "v",
      },
    ]);
  });

  it("no matches: zero files, no schema, and a warning saying what did not match", async () => {
    const dir = await landing({ "a.csv": "id\n1\n", "_SUCCESS": "", "old.json": "{}" });
    await utimes(path.join(dir, "old.json"), new Date("2020-01-01T00:00:00Z"), new Date("2020-01-01T00:00:00Z"));
    const empty = await landing({});

    const byGlob = await preview({ source: at(dir, { glob: "**/*.json", modifiedAfter: "2025-01-01T00:00:00Z" }), format: { type: "JSON" } });
    expect(byGlob).toEqual({
      source: { type: "LOCAL", uri: dir, glob: "**/*.json" },
      matchedFiles: 0,
      matchedBytes: 0,
      listedObjects: 3,
      listingTruncated: false,
      filesSampled: 0,
      bytesSampled: 0,
      sampledFiles: [],
      columns: [],
      csvDialects: null,
      rows: [],
      warnings: [
        {
          code: "NO_MATCHES",
          message: `No files under ${dir} match '**/*.json' and were modified after 2025-01-01T00:00:00.000Z (3 listed; names starting with _ or . are skipped)`,
          path: null,
          column: null,
        },
      ],
    });
    expect((await preview({ source: at(empty), format: { type: "JSON" } })).warnings).toEqual([
      { code: "NO_MATCHES", message: `No files under ${empty}`, path: null, column: null },
    ]);
  });

  it("local storage errors are clear bad requests: a connection whose root is no longer granted, a link out of the root, a missing directory", async () => {
    // The operator granted a directory, the tenant made a connection on it, then the grant was withdrawn.
    const elsewhere = await makeTempDir("preview-elsewhere");
    try {
      await createLocalConnection(withConfig(deps, { config: { grants: grantsWith(deps.config.grants, { localRoots: [elsewhere.path] }) } }), tenantId, "elsewhere", elsewhere.path);
      await writeFile(path.join(elsewhere.path, "a.jsonl"), jsonl([{ id: 1 }]));
      expect(await previewError({ source: { connection: "elsewhere" }, format: { type: "JSON" } })).toMatchObject({
        code: "BAD_REQUEST",
        field: "source.connection",
        message: `Local directory ${elsewhere.path} is not under a root granted to this tenant (${root.path})`,
      });
      // Nor through a symbolic link inside the granted root.
      await symlink(elsewhere.path, path.join(root.path, "escape"));
      expect(await previewError({ source: at(path.join(root.path, "escape")), format: { type: "JSON" } })).toMatchObject({
        code: "BAD_REQUEST",
        field: "source.path",
        message: `Local source ${path.join(root.path, "escape")} resolves through a symlink to ${elsewhere.path}, outside the allowed roots (${root.path})`,
      });
      expect(probe.paths).toEqual([]);
    } finally {
      await elsewhere.remove();
    }
    const missing = path.join(root.path, "nowhere");
    expect(await previewError({ source: at(missing), format: { type: "JSON" } })).toMatchObject({
      code: "BAD_REQUEST",
      field: "source.path",
      message: `Local source directory ${missing} does not exist`,
    });
  });

  it("a connection the tenant does not have, or another tenant's, is not found", async () => {
    expect(await previewError({ source: { connection: "nope" }, format: { type: "JSON" } })).toMatchObject({
      code: "NOT_FOUND",
      field: "source.connection",
      message: "No connection 'nope'",
    });
    const other = await ensureTenant(deps, `preview-other-${Math.random().toString(36).slice(2, 8)}`);
    const theirs = await previewSource(deps, other.id, previewInput.parse({ source: { connection: FILES }, format: { type: "JSON" } })).then(
      () => null,
      (e: unknown) => e,
    );
    expect(theirs).toBeInstanceOf(DomainError);
    expect(theirs).toMatchObject({ code: "NOT_FOUND", field: "source.connection", message: `No connection '${FILES}'` });
    expect(probe.paths).toEqual([]);
  });

  describe("S3", () => {
    const s3Source = (prefix: string, connection = "s3") => ({ connection, path: prefix });
    /** Another S3 connection of the tenant, on the test server unless `location` says otherwise. */
    const s3Connection = (name: string, location: Record<string, unknown>, d: ServiceDeps = deps) =>
      createConnection(
        d,
        tenantId,
        createConnectionInput.parse({
          name,
          location: {
            type: "S3",
            bucket: BUCKET,
            endpoint: s3.endpoint,
            forcePathStyle: true,
            credentials: { kind: "KEYS", ...S3RVER_CREDENTIALS },
            ...location,
          },
        }),
      );

    it("lists the prefix, downloads only the sample into a preview directory and removes it afterwards", async () => {
      await s3.put(BUCKET, "events/2026/a.jsonl", jsonl([{ id: 1, kind: "open" }]));
      await s3.put(BUCKET, "events/2026/b.jsonl", jsonl([{ id: 2, kind: "close", extra: true }]));
      await s3.put(BUCKET, "events/2026/c.jsonl", jsonl([{ id: 3, kind: "open" }]));
      await s3.put(BUCKET, "events/_SUCCESS", "");
      const out = await preview(
        { source: { ...s3Source("events"), glob: "2026/*.jsonl" }, format: { type: "JSON" } },
        { maxFiles: 2, maxBytes: 1024 },
      );
      expect(probe.paths).toEqual(["2026/a.jsonl", "2026/b.jsonl"]);
      expect(out).toMatchObject({
        source: { type: "S3", uri: `s3://${BUCKET}/events/`, glob: "2026/*.jsonl" },
        matchedFiles: 3,
        listedObjects: 4,
        listingTruncated: false,
        filesSampled: 2,
      });
      expect(out.columns).toEqual([
        { name: "id", type: "BIGINT", inferredType: "BIGINT", origin: "inferred", presentIn: 2 },
        { name: "kind", type: "VARCHAR", inferredType: "VARCHAR", origin: "inferred", presentIn: 2 },
        { name: "extra", type: "BOOLEAN", inferredType: "BOOLEAN", origin: "inferred", presentIn: 1 },
      ]);
      expect(out.rows).toEqual([
        { file: "2026/a.jsonl", values: ["1", "open", null] },
        { file: "2026/b.jsonl", values: ["2", "close", true] },
      ]);
      expect(out.warnings).toEqual([
        {
          code: "MISSING_COLUMN",
          message: "Column 'extra' is missing from 1 of 2 sampled files (2026/a.jsonl); their rows have NULL there",
          path: null,
          column: "extra",
        },
      ]);
      expect(await leftoverStaging()).toEqual([]);
    });

    it("an object gone between listing and download is a warning; the other files still preview", async () => {
      await s3.put(BUCKET, "gone/a.jsonl", jsonl([{ id: 1 }]));
      await s3.put(BUCKET, "gone/b.jsonl", jsonl([{ id: 2 }]));
      probe.before = async (p) => {
        if (p === "a.jsonl") await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: "gone/a.jsonl" }));
      };
      const out = await preview({ source: s3Source("gone"), format: { type: "JSON" } });
      const message = `s3://${BUCKET}/gone/a.jsonl does not exist`;
      expect(out).toMatchObject({
        matchedFiles: 2,
        filesSampled: 2,
        sampledFiles: [
          { path: "a.jsonl", error: message },
          { path: "b.jsonl", error: null },
        ],
        columns: [{ name: "id", type: "BIGINT", inferredType: "BIGINT", origin: "inferred", presentIn: 1 }],
        rows: [{ file: "b.jsonl", values: ["2"] }],
        warnings: [{ code: "UNREADABLE_FILE", message: `Cannot read a.jsonl: ${message}`, path: "a.jsonl", column: null }],
      });
      expect(await leftoverStaging()).toEqual([]);
    });

    it("an unreachable endpoint, a missing bucket and unknown credentials are bad requests on the connection", async () => {
      const endpoint = `http://127.0.0.1:${await freePort()}`;
      const granted = withConfig(deps, { config: { grants: grantsWith(deps.config.grants, { endpoints: [endpoint] }) } });
      await s3Connection("s3-down", { endpoint }, granted);
      expect(await previewError({ source: s3Source("events", "s3-down"), format: { type: "JSON" } }, granted)).toMatchObject({
        code: "BAD_REQUEST",
        field: "source.connection",
        message: `Cannot reach the S3 endpoint at ${endpoint}: ECONNREFUSED`,
      });
      await s3Connection("s3-no-bucket", { bucket: "no-such-bucket" });
      expect(await previewError({ source: s3Source("events", "s3-no-bucket"), format: { type: "JSON" } })).toMatchObject({
        code: "BAD_REQUEST",
        field: "source.connection",
        message: `S3 bucket 'no-such-bucket' does not exist at ${s3.endpoint}`,
      });
      // A reference the operator granted but whose keys the server does not have.
      const referenced = withConfig(granted, { config: { grants: grantsWith(granted.config.grants, { credentialRefs: ["NOBODY"] }) } });
      await s3Connection("s3-nobody", { credentials: { kind: "ENV_REF", ref: "NOBODY" } }, referenced);
      expect(await previewError({ source: s3Source("events", "s3-nobody"), format: { type: "JSON" } }, referenced)).toMatchObject({
        code: "BAD_REQUEST",
        field: "source.connection",
        message:
          "No S3 credentials for reference NOBODY: set AUTOLOADER_S3_NOBODY_ACCESS_KEY_ID and AUTOLOADER_S3_NOBODY_SECRET_ACCESS_KEY on the server",
      });
      expect(await leftoverStaging()).toEqual([]);
    });
  });

  describe("sample bounds", () => {
    let many: string;
    const TOTAL = 10_000;
    const line = (i: number) => jsonl([{ id: i }]);
    const name = (i: number) => `part-${String(i).padStart(5, "0")}.jsonl`;

    beforeAll(async () => {
      many = await landing({});
      for (let i = 0; i < TOTAL; i += 500) {
        await Promise.all(Array.from({ length: Math.min(500, TOTAL - i) }, (_, j) => writeFile(path.join(many, name(i + j)), line(i + j))));
      }
    });

    it("10,000 matched files: counts them all, reads only the first K", async () => {
      const out = await preview({ source: at(many, { glob: "*.jsonl" }), format: { type: "JSON" } });
      const firstTwenty = Array.from({ length: 20 }, (_, i) => name(i));
      expect(out).toMatchObject({ matchedFiles: TOTAL, listedObjects: TOTAL, listingTruncated: false, filesSampled: 20, warnings: [] });
      expect(out.matchedBytes).toBe(Array.from({ length: TOTAL }, (_, i) => Buffer.byteLength(line(i))).reduce((a, b) => a + b, 0));
      expect(out.sampledFiles.map((f) => f.path)).toEqual(firstTwenty);
      expect(probe.paths).toEqual(firstTwenty);
      expect(out.rows).toHaveLength(20);
      expect(out.rows[19]).toEqual({ file: name(19), values: ["19"] });
    });

    it("the byte budget stops the sample early (the first file always read), and listing stops at its bound", async () => {
      const size = Buffer.byteLength(line(0));
      const listedBytes = Array.from({ length: 2_500 }, (_, i) => Buffer.byteLength(line(i))).reduce((a, b) => a + b, 0);
      const out = await preview(
        { source: at(many, { glob: "*.jsonl" }), format: { type: "JSON" }, sampleRows: 100 },
        { maxFiles: 50, maxBytes: size * 3 + 1, maxListed: 2_500 },
      );
      expect(out).toMatchObject({ matchedFiles: 2_500, listedObjects: 2_500, listingTruncated: true, filesSampled: 3 });
      expect(probe.paths).toEqual([name(0), name(1), name(2)]);
      expect(out.warnings).toEqual([
        {
          code: "LISTING_TRUNCATED",
          message: `Listing stopped after 2,500 objects: at least 2,500 files (${listedBytes.toLocaleString("en-US")} bytes) match`,
          path: null,
          column: null,
        },
        {
          code: "SAMPLE_LIMITED",
          message: `Sampled the first 3 matched files: the next, ${name(3)} (${size} bytes), would take the sample past ${size * 3 + 1} bytes`,
          path: name(3),
          column: null,
        },
      ]);

      const tiny = await preview({ source: at(many, { glob: "*.jsonl" }), format: { type: "JSON" } }, { maxFiles: 5, maxBytes: 1 });
      expect(tiny).toMatchObject({ filesSampled: 1, rows: [{ file: name(0), values: ["0"] }] });
    });
  });
});
