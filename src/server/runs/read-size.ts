// How many bytes loading a file reads: its uncompressed size when the file says so (a gzip
// member's ISIZE trailer, a zstd frame's content size), else its size. Per-run byte limits count
// this, so a small gzip of millions of rows does not pass as a few megabytes.
import { open } from "node:fs/promises";

export interface ReadSize {
  /** What the load reads: at least the file's own size. */
  bytes: number;
  /** The file's size on disk (listed or staged). */
  stored: number;
  compression: "gzip" | "zstd" | null;
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

/** What loading the local file at `file` reads (see ReadSize). */
export async function readSizeOf(file: string): Promise<ReadSize> {
  const handle = await open(file, "r");
  try {
    const stored = (await handle.stat()).size;
    const head = Buffer.alloc(Math.min(18, stored));
    await handle.read(head, 0, head.length, 0);
    if (head.length >= 18 && head[0] === 0x1f && head[1] === 0x8b) {
      const tail = Buffer.alloc(4);
      await handle.read(tail, 0, 4, stored - 4);
      // ISIZE is the last member's size mod 2^32: never count less than the file itself.
      return { bytes: Math.max(stored, tail.readUInt32LE(0)), stored, compression: "gzip" };
    }
    const zstd = zstdContentSize(head);
    if (zstd !== null) return { bytes: Math.max(stored, zstd), stored, compression: "zstd" };
    return { bytes: stored, stored, compression: null };
  } finally {
    await handle.close();
  }
}
