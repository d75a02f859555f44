// Counts failures per key (a client address, a key prefix) in a sliding window, in this process's
// memory. Bounded twice: each key keeps at most `max` timestamps, and at most `maxKeys` keys are
// kept (the least recently touched go first), so no stream of new addresses grows it without end.

export interface RateLimitOptions {
  max: number;
  windowMs: number;
  maxKeys?: number;
  clock?: () => number;
}

export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number; key: string };

export class SlidingWindowLimiter {
  private readonly hits = new Map<string, number[]>();
  private readonly max: number;
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly clock: () => number;

  constructor(options: RateLimitOptions) {
    this.max = options.max;
    this.windowMs = options.windowMs;
    this.maxKeys = options.maxKeys ?? 10_000;
    this.clock = options.clock ?? Date.now;
  }

  get size(): number {
    return this.hits.size;
  }

  /** Live timestamps of `key`, oldest first (expired ones dropped). */
  private live(key: string, now: number): number[] {
    const stamps = (this.hits.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (stamps.length === 0) this.hits.delete(key);
    return stamps;
  }

  /** Whether every key is under its limit; if not, when the first blocked one frees a slot. */
  check(keys: readonly string[]): RateLimitDecision {
    const now = this.clock();
    for (const key of keys) {
      const stamps = this.live(key, now);
      if (stamps.length >= this.max) {
        const oldest = stamps[stamps.length - this.max] ?? now;
        return { allowed: false, key, retryAfterSeconds: Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000)) };
      }
    }
    return { allowed: true };
  }

  /** Counts one event against each key and returns its timestamp (for `release`). */
  record(keys: readonly string[]): number {
    const now = this.clock();
    for (const key of keys) {
      const stamps = [...this.live(key, now), now].slice(-this.max);
      this.hits.delete(key); // re-inserted last: Map order is least recently touched first
      this.hits.set(key, stamps);
    }
    while (this.hits.size > this.maxKeys) {
      const oldest = this.hits.keys().next().value;
      if (oldest === undefined) break;
      this.hits.delete(oldest);
    }
    return now;
  }

  /** Takes back an event recorded at `at` (an attempt that turned out not to be a failure). */
  release(keys: readonly string[], at: number): void {
    for (const key of keys) {
      const stamps = this.hits.get(key);
      if (!stamps) continue;
      const i = stamps.lastIndexOf(at);
      if (i !== -1) stamps.splice(i, 1);
      if (stamps.length === 0) this.hits.delete(key);
    }
  }
}
