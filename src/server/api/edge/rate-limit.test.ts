import { describe, expect, it } from "vitest";
import { SlidingWindowLimiter } from "./rate-limit";

describe("SlidingWindowLimiter", () => {
  const clockAt = (start: number) => {
    const c = { now: start, tick: () => c.now };
    return c;
  };

  it("blocks a key at the limit until its oldest event leaves the window, with Retry-After in seconds", () => {
    const clock = clockAt(1_000_000);
    const limiter = new SlidingWindowLimiter({ max: 3, windowMs: 60_000, clock: clock.tick });
    for (let i = 0; i < 3; i++) {
      expect(limiter.check(["ip:a"])).toEqual({ allowed: true });
      limiter.record(["ip:a"]);
      clock.now += 10_000;
    }
    expect(limiter.check(["ip:b", "ip:a"])).toEqual({ allowed: false, key: "ip:a", retryAfterSeconds: 30 });
    clock.now += 29_999;
    expect(limiter.check(["ip:a"]).allowed).toBe(false);
    clock.now += 1;
    expect(limiter.check(["ip:a"])).toEqual({ allowed: true });
  });

  it("takes back a released event, and only that one", () => {
    const clock = clockAt(0);
    const limiter = new SlidingWindowLimiter({ max: 2, windowMs: 60_000, clock: clock.tick });
    limiter.record(["k"]);
    clock.now = 5;
    const at = limiter.record(["k"]);
    expect(limiter.check(["k"]).allowed).toBe(false);
    limiter.release(["k"], at);
    expect(limiter.check(["k"])).toEqual({ allowed: true });
    limiter.release(["k"], 0);
    expect(limiter.size).toBe(0);
  });

  it("stays bounded: at most maxKeys keys (least recently touched dropped) and max stamps per key", () => {
    const clock = clockAt(0);
    const limiter = new SlidingWindowLimiter({ max: 5, windowMs: 60_000, maxKeys: 100, clock: clock.tick });
    for (let i = 0; i < 10_000; i++) limiter.record([`ip:${i}`]);
    expect(limiter.size).toBe(100);
    expect(limiter.check(["ip:9999"])).toEqual({ allowed: true });
    for (let i = 0; i < 50; i++) limiter.record(["hot"]);
    expect((limiter as unknown as { hits: Map<string, number[]> }).hits.get("hot")).toHaveLength(5);
    clock.now += 60_001;
    expect(limiter.check(["hot"])).toEqual({ allowed: true });
    expect(limiter.size).toBe(99);
  });
});
