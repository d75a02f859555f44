// How many bytes loading a file reads: a gzip file's uncompressed size, counted by inflating it
// (every member, so neither a second member nor a size past 4 GiB hides rows from the count;
// ISIZE trailers cannot be trusted for either), a zstd frame's recorded content size, else the
// file's size. Per-run byte limits count this, so a small gzip of millions of rows does not pass
// as a few megabytes; with a cap, inflating stops once the count passes it, so the check costs at
// most the limit's worth of work.
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { createGunzip } from "node:zlib";

export interface ReadSize {
  /** What the load reads: at least the file's own size (with `atLeast`, a lower bound past the cap). */
  bytes: number;
  /** The file's size on disk (listed or staged). */
  stored: number;
  compression: "gzip" | "zstd" | null;
  /** Counting stopped once `bytes` passed the cap: the file reads at least this much. */
  atLeast?: true;
}

const ZSTD_MAGIC = 0xfd2fb528;

/**
 * The zstd frame content size in a frame header (RFC 8878 §3.1.1.1), or null when the frame does
 * not record it. `h` starts at the magic number.
 */
export function zstdContentSize(h: Buffer): number | null {
  if (h.length < 6 || h.readUInt32LE(0) !== ZSTD_MAGIC) return null;
  const descriptor = h[4] ?? 0;
  const fcsFlag = descriptor >> 6;
  const singleSegment = (descriptor >> 5) & 1;
  const dictFlag = descriptor & 3;
  const fcsBytes = fcsFlag === 0 ? (singleSegment ? 1 : 0) : 1 << fcsFlag;
  if (fcsBytes === 0) return null;
  const at = 5 + (singleSegment ? 0 : 1) + [0, 1, 2, 4][dictFlag]!;
  if (h.length < at + fcsBytes) return null;
  switch (fcsBytes) {
    case 1:
      return h.readUInt8(at);
    case 2:
      return h.readUInt16LE(at) + 256;
    case 4:
      return h.readUInt32LE(at);
    default:
      return Number(h.readBigUInt64LE(at));
  }
}

/** Inflates the gzip file at `file` (all members), counting its bytes; stops past `cap`. */
function gunzippedSize(file: string, cap: number): Promise<{ bytes: number; atLeast: boolean } | null> {
  return new Promise((resolve) => {
    let bytes = 0;
    let done = false;
    const input = createReadStream(file);
    const gunzip = createGunzip();
    const finish = (r: { bytes: number; atLeast: boolean } | null) => {
      if (done) return;
      done = true;
      input.destroy();
      gunzip.destroy();
      resolve(r);
    };
    gunzip.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > cap) finish({ bytes, atLeast: true });
    });
    gunzip.on("end", () => finish({ bytes, atLeast: false }));
    // Not gzip after all, or corrupt: the load itself will say so; count the file's size.
    gunzip.on("error", () => finish(null));
    input.on("error", () => finish(null));
    input.pipe(gunzip);
  });
}

/**
 * What loading the local file at `file` reads (see ReadSize). With `cap`, a gzip file is inflated
 * only until its count passes the cap (the answer is then `atLeast`).
 */
export async function readSizeOf(file: string, cap = Number.POSITIVE_INFINITY): Promise<ReadSize> {
  const handle = await open(file, "r");
  let stored: number;
  let head: Buffer;
  try {
    stored = (await handle.stat()).size;
    head = Buffer.alloc(Math.min(18, stored));
    await handle.read(head, 0, head.length, 0);
  } finally {
    await handle.close();
  }
  if (head.length >= 18 && head[0] === 0x1f && head[1] === 0x8b) {
    const inflated = await gunzippedSize(file, cap);
    if (!inflated) return { bytes: stored, stored, compression: "gzip" };
    return { bytes: Math.max(stored, inflated.bytes), stored, compression: "gzip", ...(inflated.atLeast ? { atLeast: true as const } : {}) };
  }
  const zstd = zstdContentSize(head);
  if (zstd !== null) return { bytes: Math.max(stored, zstd), stored, compression: "zstd" };
  return { bytes: stored, stored, compression: null };
}
