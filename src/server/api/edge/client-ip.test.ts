import { describe, expect, it } from "vitest";
import { clientIp } from "./client-ip";

const h = (xff?: string) => new Headers(xff === undefined ? {} : { "x-forwarded-for": xff });

describe("clientIp", () => {
  it("uses the entry Next or the nearest proxy appended (the last) with no or one trusted proxy", () => {
    expect(clientIp(h("203.0.113.5"), 0)).toBe("203.0.113.5");
    expect(clientIp(h("10.9.9.9, 203.0.113.5"), 0)).toBe("203.0.113.5");
    expect(clientIp(h("10.9.9.9, 203.0.113.5"), 1)).toBe("203.0.113.5");
  });

  it("counts trusted proxies from the right, never past the first entry", () => {
    expect(clientIp(h("1.1.1.1, 203.0.113.5, 10.0.0.2"), 2)).toBe("203.0.113.5");
    expect(clientIp(h("203.0.113.5, 10.0.0.2"), 5)).toBe("203.0.113.5");
  });

  it("normalises mapped IPv4, ports and brackets; garbage shares one bucket; none is unknown", () => {
    expect(clientIp(h("::ffff:192.0.2.1"), 0)).toBe("192.0.2.1");
    expect(clientIp(h("192.0.2.1:5555"), 0)).toBe("192.0.2.1");
    expect(clientIp(h("[2001:DB8::1]:443"), 0)).toBe("2001:db8::1");
    expect(clientIp(h("unknown"), 0)).toBe("invalid");
    expect(clientIp(h("<script>"), 0)).toBe("invalid");
    expect(clientIp(h(), 0)).toBe("unknown");
  });
});
