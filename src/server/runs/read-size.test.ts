import { describe, expect, it } from "vitest";
import { zstdContentSize } from "./read-size";

/** A zstd frame header: magic, descriptor, then the optional window, dictionary id and content size bytes. */
const frame = (descriptor: number, ...rest: number[]) => Buffer.from([0x28, 0xb5, 0x2f, 0xfd, descriptor, ...rest]);

describe("zstdContentSize", () => {
  it("reads a single-segment frame's 1-byte content size", () => {
    expect(zstdContentSize(frame(0b0010_0000, 200))).toBe(200);
  });
  it("reads a 2-byte content size (stored minus 256) after the window descriptor", () => {
    expect(zstdContentSize(frame(0b0100_0000, 0x50, 0x00, 0x01))).toBe(256 + 256);
  });
  it("reads a 4-byte content size after a 1-byte dictionary id", () => {
    expect(zstdContentSize(frame(0b1000_0001, 0x50, 0x07, 0x40, 0x42, 0x0f, 0x00))).toBe(1_000_000);
  });
  it("reads an 8-byte content size", () => {
    expect(zstdContentSize(frame(0b1110_0000, 0x00, 0xf2, 0x05, 0x2a, 0x01, 0x00, 0x00, 0x00))).toBe(5_000_000_000);
  });
  it("is null when the frame does not record it, or the data is no zstd frame", () => {
    expect(zstdContentSize(frame(0b0000_0000, 0x50))).toBeNull();
    expect(zstdContentSize(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0]))).toBeNull();
  });
});
