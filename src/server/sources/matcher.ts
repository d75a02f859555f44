// Which listed objects an ingestion reads: its glob, minus marker files. Shared by runs and previews.
import picomatch from "picomatch";

/** True for paths with a segment starting with "_" or ".": markers (_SUCCESS, .crc), never data. */
export function isMarker(p: string): boolean {
  return p.split("/").some((s) => s.startsWith("_") || s.startsWith("."));
}

export function matcher(glob: string | null): (p: string) => boolean {
  // Like Spark and Auto Loader, names starting with "_" or "." are markers, not data (_SUCCESS).
  if (!glob) return (p) => !isMarker(p);
  const isMatch = picomatch(glob, { dot: false });
  return (p) => !isMarker(p) && isMatch(p);
}
