// Walking a source's listing, written once: all of it (discovery, adoption), or at most a number
// of objects (the cost estimate, the preview, the refresh plan), saying when it stopped short.
import type { ListPage, Source, SourceObject } from "./source";

/** Objects asked for per page. */
const PAGE = 1000;

/** Lists every object, page by page. */
export async function* listAll(source: Source, pageSize?: number): AsyncGenerator<SourceObject[]> {
  let cursor: string | null = null;
  do {
    const page: ListPage = await source.list(cursor, pageSize);
    if (page.objects.length > 0) yield page.objects;
    cursor = page.nextCursor;
  } while (cursor !== null);
}

export interface BoundedListing {
  /** Objects listed, at most the limit. */
  listed: number;
  /** The listing stopped at the limit with more to list: counts made from it are lower bounds ("at least"). */
  truncated: boolean;
}

/**
 * Lists at most `limit` objects, in the source's order, handing each page to `onPage` (awaited
 * before the next is asked for); pages are sized so the last one ends at the limit.
 */
export async function listBounded(
  source: Source,
  limit: number,
  onPage: (objects: SourceObject[]) => void | Promise<void>,
): Promise<BoundedListing> {
  let listed = 0;
  let cursor: string | null = null;
  let truncated = false;
  do {
    const page: ListPage = await source.list(cursor, Math.min(PAGE, limit - listed));
    cursor = page.nextCursor;
    // A source may hand back more than asked; what is past the limit is not looked at.
    const objects = page.objects.length > limit - listed ? page.objects.slice(0, limit - listed) : page.objects;
    listed += objects.length;
    await onPage(objects);
    if ((cursor !== null || objects.length < page.objects.length) && listed >= limit) truncated = true;
  } while (cursor !== null && !truncated);
  return { listed, truncated };
}
