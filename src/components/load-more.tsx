// The "Load more" button under a list read a page at a time (an infinite query).

interface Pages {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => Promise<unknown>;
}

/** Nothing once the last page is loaded. */
export function LoadMore({ pages }: { pages: Pages }) {
  if (!pages.hasNextPage) return null;
  return (
    <p className="load-more">
      <button
        type="button"
        className="button"
        onClick={() => void pages.fetchNextPage()}
        disabled={pages.isFetchingNextPage}
      >
        {pages.isFetchingNextPage ? "Loading…" : "Load more"}
      </button>
    </p>
  );
}
