// Walking a source's listing, written once: all of it (discovery, adoption), or at most a number
// of objects (the cost estimate, the preview, the refresh plan), saying when it stopped short.
import type { ListPage, Source, SourceObject } from "./source";

/** Objects asked for per page. */
const PAGE = 1000;

/** What a listing has done so far: filled in as its pages arrive. */
export interface ListingTally {
  /** Pages asked of the source: LIST requests on S3 (an empty answer is one too). */
  requests: number;
  /** The last path listed (the greatest: pages come in path order), or null before any. */
  lastPath: string | null;
}

export function newTally(): ListingTally {
  return { requests: 0, lastPath: null };
}

/**
 * Lists every object, page by page (one page in memory at a time), or, with `startAfter`, every
 * object whose path sorts after it. `tally` counts the requests and keeps the last path.
 */
export async function* listAll(
  source: Source,
  pageSize?: number,
  options: { startAfter?: string | null; tally?: ListingTally } = {},
): AsyncGenerator<SourceObject[]> {
  const tally = options.tally ?? newTally();
  let cursor: string | null = null;
  do {
    const page: ListPage = await source.list(cursor, pageSize, cursor === null ? (options.startAfter ?? null) : null);
    tally.requests += 1;
    const last = page.objects[page.objects.length - 1];
    if (last) tally.lastPath = last.path;
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
