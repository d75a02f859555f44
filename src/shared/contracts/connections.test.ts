import { describe, expect, it } from "vitest";
import { type z } from "zod";
import { connectionLocation, createConnectionInput } from "./connections";

/** The issues of a rejected parse as `path: message` pairs; fails the test if the input was accepted. */
function issues(schema: z.ZodType, input: unknown): { path: string; message: string }[] {
  const result = schema.safeParse(input);
  if (result.success) throw new Error(`Expected a rejection, got ${JSON.stringify(result.data)}`);
  return result.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
}

/** An S3 location with no credentials; each test adds what it is about. */
const s3 = (more: object = {}) => ({ type: "S3", bucket: "bucket", prefix: "x", credentials: { kind: "NONE" }, ...more });

describe("createConnectionInput", () => {
  it("trims the name and normalises a local path", () => {
    expect(createConnectionInput.parse({ name: " files ", location: { type: "LOCAL", path: " /data//in/./x/ " } })).toEqual({
      name: "files",
      location: { type: "LOCAL", path: "/data/in/x" },
    });
  });

  it.each([
    ["data/in", "A local connection's path must be absolute (start with /)"],
    ["/data/../etc", "A local connection's path must not contain '..'"],
    ["/data/\u0001in", "Path contains control characters"],
  ])("rejects the local path %j", (p, message) => {
    expect(issues(connectionLocation, { type: "LOCAL", path: p })).toEqual([{ path: "path", message }]);
  });

  it.each([
    ["My_Bucket", "", "bucket", 'S3 bucket name "My_Bucket" is invalid: use 3–63 lowercase letters, digits, dots and hyphens'],
    ["bucket", "../x", "prefix", "Path must not contain '..'"],
    // The bucket alone: "good/other" would otherwise read bucket "good" with the prefix "other/…".
    ["good/other/x", "", "bucket", 'S3 bucket name "good/other/x" is invalid: use 3–63 lowercase letters, digits, dots and hyphens'],
    ["ab", "", "bucket", 'S3 bucket name "ab" is invalid: use 3–63 lowercase letters, digits, dots and hyphens'],
  ])("rejects the bucket %j with the prefix %j", (bucket, prefix, field, message) => {
    expect(issues(connectionLocation, s3({ bucket, prefix }))).toContainEqual({ path: field, message });
  });

  it("rejects a type other than LOCAL or S3", () => {
    expect(issues(connectionLocation, { type: "GCS", path: "/x" })).toEqual([
      { path: "type", message: "Connection type must be LOCAL or S3" },
    ]);
  });
});

// The S3 options an ingestion's source used to carry now live on its connection.
describe("S3 options", () => {
  it("trims and keeps valid options; the endpoint becomes its origin", () => {
    expect(
      connectionLocation.parse(
        s3({ region: " us-east-1 ", endpoint: " https://s3.example.com ", forcePathStyle: false, credentials: { kind: "ENV_REF", ref: " PROD_2 " } }),
      ),
    ).toEqual({
      type: "S3",
      bucket: "bucket",
      prefix: "x",
      region: "us-east-1",
      endpoint: "https://s3.example.com",
      forcePathStyle: false,
      credentials: { kind: "ENV_REF", ref: "PROD_2" },
    });
  });

  it.each([
    ["upper case", "US-EAST-1"],
    ["underscores", "us_east_1"],
    ["one character", "x"],
    ["33 characters", "r".repeat(33)],
  ])("rejects a region in %s", (_label, region) => {
    expect(issues(connectionLocation, s3({ region }))).toEqual([{ path: "region", message: "Region must look like us-east-1" }]);
  });

  it.each(["ftp://s3.example.com", "s3.example.com", "not a url", "https://key:secret@s3.example.com", "http://key@s3.example.com"])(
    "rejects the endpoint %j",
    (endpoint) => {
      expect(issues(connectionLocation, s3({ endpoint }))).toEqual([
        { path: "endpoint", message: "Endpoint must be an http(s) URL without credentials, e.g. https://s3.example.com" },
      ]);
    },
  );

  it.each([
    ["lower case", "analytics"],
    ["a leading digit", "1PROD"],
    ["a hyphen", "PROD-EU"],
    ["65 characters", "A".repeat(65)],
  ])("rejects a credentials reference with %s", (_label, ref) => {
    expect(issues(connectionLocation, s3({ credentials: { kind: "ENV_REF", ref } }))).toEqual([
      {
        path: "credentials.ref",
        message:
          "Credentials reference must be an upper-case name such as ANALYTICS (the keys are read from AUTOLOADER_S3_<NAME>_ACCESS_KEY_ID and _SECRET_ACCESS_KEY)",
      },
    ]);
  });

  it("requires both keys of KEYS credentials", () => {
    expect(issues(connectionLocation, s3({ credentials: { kind: "KEYS", accessKeyId: " " } }))).toEqual([
      { path: "credentials.accessKeyId", message: "Access key id is required" },
      { path: "credentials.secretAccessKey", message: "Secret access key is required" },
    ]);
  });
});
