import { describe, expect, it } from "vitest";
import { listAll, listBounded } from "./listing";
import type { ListPage, Source, SourceObject } from "./source";

/** A source of `count` objects that records the page sizes it was asked for. */
function fakeSource(count: number, defaultPage = 3) {
  const objects: SourceObject[] = Array.from({ length: count }, (_, i) => ({
    path: `o/${String(i).padStart(4, "0")}`,
    size: i,
    lastModified: new Date(0),
    etag: null,
  }));
  const asked: (number | undefined)[] = [];
  const source = {
    type: "LOCAL",
    uri: "/fake",
    async list(cursor: string | null, pageSize?: number): Promise<ListPage> {
      asked.push(pageSize);
      const start = cursor === null ? 0 : Number(cursor);
      const end = Math.min(objects.length, start + (pageSize ?? defaultPage));
      return { objects: objects.slice(start, end), nextCursor: end < objects.length ? String(end) : null };
    },
    stat: async () => null,
    localize: async () => "",
    release: async () => {},
    uriOf: (p: string) => p,
  } satisfies Source;
  return { source, asked };
}

describe("listAll", () => {
  it("yields every object, page by page, at the page size given", async () => {
    const { source, asked } = fakeSource(7);
    const pages: number[] = [];
    for await (const page of listAll(source, 3)) pages.push(page.length);
    expect(pages).toEqual([3, 3, 1]);
    expect(asked).toEqual([3, 3, 3]);
  });
});

describe("listBounded", () => {
  it("lists everything under the limit, not truncated", async () => {
    const { source } = fakeSource(5);
    const seen: string[] = [];
    const r = await listBounded(source, 10, (objects) => {
      seen.push(...objects.map((o) => o.path));
    });
    expect(r).toEqual({ listed: 5, truncated: false });
    expect(seen).toHaveLength(5);
  });

  it("stops at the limit and says so when more is left, asking for no more than the limit", async () => {
    const { source, asked } = fakeSource(2500);
    const seen: string[] = [];
    const r = await listBounded(source, 1200, (objects) => {
      seen.push(...objects.map((o) => o.path));
    });
    expect(r).toEqual({ listed: 1200, truncated: true });
    expect(asked).toEqual([1000, 200]);
    expect(seen[seen.length - 1]).toBe("o/1199");
  });

  it("is not truncated when the source ends exactly at the limit", async () => {
    const { source } = fakeSource(4);
    expect(await listBounded(source, 4, () => {})).toEqual({ listed: 4, truncated: false });
  });

  it("awaits each page's handler before asking for the next", async () => {
    const { source, asked } = fakeSource(2500);
    const log: string[] = [];
    await listBounded(source, 5000, async (objects) => {
      log.push(`page ${objects.length} (${asked.length} asked)`);
      await new Promise((r) => setTimeout(r, 1));
    });
    expect(log).toEqual(["page 1000 (1 asked)", "page 1000 (2 asked)", "page 500 (3 asked)"]);
  });

  it("looks at nothing past the limit when a source hands back more than asked", async () => {
    const { source } = fakeSource(10);
    const greedy: Source = { ...source, list: (cursor) => source.list(cursor, 10) };
    const seen: number[] = [];
    const r = await listBounded(greedy, 4, (objects) => {
      seen.push(objects.length);
    });
    expect(r).toEqual({ listed: 4, truncated: true });
    expect(seen).toEqual([4]);
  });
});
