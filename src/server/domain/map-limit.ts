// Bounded concurrency, written once (the load-batch step's downloads, the preview's reads).

/**
 * `fn` over `items`, `limit` at a time, results in the items' order. On a failure no new item
 * starts, and the failure is thrown once the running ones have finished: nothing writes into a
 * directory being removed.
 */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const failures: unknown[] = [];
  const worker = async () => {
    while (failures.length === 0 && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i] as T);
      } catch (error) {
        failures.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failures.length > 0) throw failures[0];
  return out;
}
