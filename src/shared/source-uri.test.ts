import { describe, expect, it } from "vitest";
import { parseSourceUri, SUPPORTED_SOURCES } from "./source-uri";

const SUPPORTED = "s3://bucket/prefix (S3 or S3-compatible) or an absolute local directory";

describe("parseSourceUri", () => {
  it("names what is supported in a single constant", () => {
    expect(SUPPORTED_SOURCES).toBe(SUPPORTED);
  });

  describe("S3", () => {
    it.each([
      ["s3://my-bucket/raw/events/", { bucket: "my-bucket", prefix: "raw/events/" }],
      ["s3://my-bucket/raw", { bucket: "my-bucket", prefix: "raw" }],
      ["s3://my-bucket", { bucket: "my-bucket", prefix: "" }],
      ["s3://my-bucket/", { bucket: "my-bucket", prefix: "" }],
      ["s3://logs.example.com/2026/", { bucket: "logs.example.com", prefix: "2026/" }],
      ["s3://abc/x", { bucket: "abc", prefix: "x" }],
      [`s3://${"a".repeat(63)}/x`, { bucket: "a".repeat(63), prefix: "x" }],
      ["  s3://my-bucket/raw  ", { bucket: "my-bucket", prefix: "raw" }],
      // The scheme is case-insensitive; the bucket is not.
      ["S3://my-bucket/raw", { bucket: "my-bucket", prefix: "raw" }],
    ])("parses %j", (uri, expected) => {
      expect(parseSourceUri(uri)).toEqual({ ok: true, value: { type: "S3", ...expected } });
    });

    it("keeps the prefix as written (S3 keys are not paths)", () => {
      expect(parseSourceUri("s3://my-bucket/a//b/")).toEqual({
        ok: true,
        value: { type: "S3", bucket: "my-bucket", prefix: "a//b/" },
      });
    });

    it("needs a bucket", () => {
      expect(parseSourceUri("s3://")).toEqual({ ok: false, message: "The S3 source needs a bucket: s3://bucket/prefix" });
      expect(parseSourceUri("s3:///prefix")).toEqual({
        ok: false,
        message: "The S3 source needs a bucket: s3://bucket/prefix",
      });
    });

    it.each([
      ["ab", "too short"],
      ["a".repeat(64), "too long"],
      ["My-Bucket", "upper case"],
      ["my_bucket", "underscore"],
      ["-bucket", "leading hyphen"],
      ["bucket-", "trailing hyphen"],
      [".bucket", "leading dot"],
      ["bucket.", "trailing dot"],
      ["my..bucket", "two dots in a row"],
      ["my bucket", "space"],
      ["bucket?x=1", "query string"],
    ])("rejects the bucket %j (%s)", (bucket) => {
      expect(parseSourceUri(`s3://${bucket}/data`)).toEqual({
        ok: false,
        message: `S3 bucket name "${bucket}" is invalid: use 3–63 lowercase letters, digits, dots and hyphens`,
      });
    });

    it.each(["s3://my-bucket/../other", "s3://my-bucket/a/./b", "s3://my-bucket/a/..", "s3://my-bucket/."])(
      "rejects the dot segments in %j",
      (uri) => {
        expect(parseSourceUri(uri)).toEqual({ ok: false, message: "The S3 prefix must not contain '.' or '..' segments" });
      },
    );

    it("accepts dots inside a segment of the prefix", () => {
      expect(parseSourceUri("s3://my-bucket/v1.2/..hidden/file.json")).toEqual({
        ok: true,
        value: { type: "S3", bucket: "my-bucket", prefix: "v1.2/..hidden/file.json" },
      });
    });
  });

  describe("local directories", () => {
    it.each([
      ["/data/in", "/data/in"],
      ["/data/in/", "/data/in"],
      ["/data//in/./x", "/data/in/x"],
      ["//data///in//", "/data/in"],
      ["/./data", "/data"],
      ["/", "/"],
      ["  /data/in  ", "/data/in"],
      ["/data/my files/ünïcode", "/data/my files/ünïcode"],
      ["/data/..hidden/x..y", "/data/..hidden/x..y"],
    ])("normalises %j to %j", (uri, path) => {
      expect(parseSourceUri(uri)).toEqual({ ok: true, value: { type: "LOCAL", path } });
    });

    it.each(["/data/../etc", "/..", "/data/in/..", "/data/./../x"])("rejects '..' in %j", (uri) => {
      expect(parseSourceUri(uri)).toEqual({ ok: false, message: "A local source must not contain '..' segments" });
    });

    it.each(["data/in", "./data", "../data", "~/data", "C:\\data", "s3:/bucket/x", "bucket/prefix"])(
      "rejects the relative path %j",
      (uri) => {
        expect(parseSourceUri(uri)).toEqual({
          ok: false,
          message: `The source must be ${SUPPORTED}; "${uri}" is neither (local paths start with /)`,
        });
      },
    );
  });

  describe("everything else", () => {
    it.each(["", "   ", "\t\n"])("asks for a source when given %j", (uri) => {
      expect(parseSourceUri(uri)).toEqual({ ok: false, message: `Enter a source: ${SUPPORTED}` });
    });

    it.each([
      ["gs://bucket/x", "gs"],
      ["abfss://container@account.dfs.core.windows.net/x", "abfss"],
      ["http://example.com/data", "http"],
      ["https://example.com/data", "https"],
      ["file:///data/in", "file"],
      ["S3A://bucket/x", "s3a"],
      ["HDFS://namenode/x", "hdfs"],
    ])("rejects %j and names what is supported", (uri, scheme) => {
      expect(parseSourceUri(uri)).toEqual({
        ok: false,
        message: `Unsupported source "${scheme}://": use ${SUPPORTED}`,
      });
    });

    it.each(["/data/\u0000in", "/data/in\u0007x", "s3://bucket/a\u001fb", "/data/a\nb"])(
      "rejects control characters in %j",
      (uri) => {
        expect(parseSourceUri(uri)).toEqual({ ok: false, message: "The source contains control characters" });
      },
    );
  });
});
