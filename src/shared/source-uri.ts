// Parses and validates a source URI: s3://bucket/prefix or an absolute local directory.
// Pure: whether a local path lies under the allowed roots is checked by the service.

export type ParsedSource =
  | { type: "S3"; bucket: string; prefix: string }
  | { type: "LOCAL"; path: string };

export const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export const SUPPORTED_SOURCES = "s3://bucket/prefix (S3 or S3-compatible) or an absolute local directory";

export function parseSourceUri(input: string): { ok: true; value: ParsedSource } | { ok: false; message: string } {
  const uri = input.trim();
  if (uri === "") return { ok: false, message: `Enter a source: ${SUPPORTED_SOURCES}` };
  if ([...uri].some((c) => c.charCodeAt(0) < 0x20)) return { ok: false, message: "The source contains control characters" };
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(uri)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== "s3") {
    return { ok: false, message: `Unsupported source "${scheme}://": use ${SUPPORTED_SOURCES}` };
  }
  if (scheme === "s3") {
    const rest = uri.slice("s3://".length);
    const slash = rest.indexOf("/");
    const bucket = slash === -1 ? rest : rest.slice(0, slash);
    const prefix = slash === -1 ? "" : rest.slice(slash + 1);
    if (bucket === "") return { ok: false, message: "The S3 source needs a bucket: s3://bucket/prefix" };
    if (!S3_BUCKET.test(bucket) || bucket.includes("..")) {
      return {
        ok: false,
        message: `S3 bucket name "${bucket}" is invalid: use 3–63 lowercase letters, digits, dots and hyphens`,
      };
    }
    if (prefix.split("/").some((s) => s === "." || s === "..")) {
      return { ok: false, message: "The S3 prefix must not contain '.' or '..' segments" };
    }
    return { ok: true, value: { type: "S3", bucket, prefix } };
  }
  if (!uri.startsWith("/")) {
    return { ok: false, message: `The source must be ${SUPPORTED_SOURCES}; "${uri}" is neither (local paths start with /)` };
  }
  const segments = uri.split("/");
  if (segments.some((s) => s === "..")) {
    return { ok: false, message: "A local source must not contain '..' segments" };
  }
  const normalised = "/" + segments.filter((s) => s !== "" && s !== ".").join("/");
  return { ok: true, value: { type: "LOCAL", path: normalised } };
}
