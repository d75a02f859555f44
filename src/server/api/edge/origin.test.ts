import { describe, expect, it } from "vitest";
import { isJsonContentType } from "./content-type";
import { checkOrigin, ownOrigin } from "./origin";

const req = (headers: Record<string, string>, url = "http://10.0.0.5:3000/api/trpc/auth.signOut") => new Request(url, { method: "POST", headers });
const direct = { trustProxyHops: 0, allowedOrigins: [] };
const proxied = { trustProxyHops: 1, allowedOrigins: [] };

describe("ownOrigin and checkOrigin", () => {
  it("takes the server's origin from Host, and from X-Forwarded-Host/-Proto only behind a trusted proxy", () => {
    const r = req({ host: "autoloader.internal:3000", "x-forwarded-host": "autoloader.example.com", "x-forwarded-proto": "https" });
    expect(ownOrigin(r, direct)).toBe("http://autoloader.internal:3000");
    expect(ownOrigin(r, proxied)).toBe("https://autoloader.example.com");
    expect(checkOrigin(req({ ...Object.fromEntries(r.headers), origin: "https://autoloader.example.com" }), proxied, true)).toEqual({ ok: true });
    expect(checkOrigin(req({ ...Object.fromEntries(r.headers), origin: "https://autoloader.example.com" }), direct, true).ok).toBe(false);
  });

  it("compares scheme, host and port, and accepts listed origins", () => {
    const host = { host: "localhost:3000" };
    expect(checkOrigin(req({ ...host, origin: "http://localhost:3000" }), direct, true)).toEqual({ ok: true });
    expect(checkOrigin(req({ ...host, origin: "HTTP://LOCALHOST:3000" }), direct, true)).toEqual({ ok: true });
    expect(checkOrigin(req({ ...host, origin: "https://localhost:3000" }), direct, true).ok).toBe(false);
    expect(checkOrigin(req({ ...host, origin: "http://localhost:3001" }), direct, true).ok).toBe(false);
    expect(checkOrigin(req({ ...host, referer: "not a url" }), direct, true)).toEqual({
      ok: false,
      message:
        "Cross-origin request refused: an opaque origin is not this server's origin (http://localhost:3000); list it in AUTOLOADER_ALLOWED_ORIGINS if it should be",
    });
    const listed = { trustProxyHops: 0, allowedOrigins: ["https://ops.example.com"] };
    expect(checkOrigin(req({ ...host, origin: "https://ops.example.com" }), listed, true)).toEqual({ ok: true });
  });

  it("lets a request without Origin or Referer through only when not required", () => {
    expect(checkOrigin(req({ host: "localhost:3000" }), direct, false)).toEqual({ ok: true });
    expect(checkOrigin(req({ host: "localhost:3000" }), direct, true).ok).toBe(false);
  });
});

describe("isJsonContentType", () => {
  it("accepts application/json with parameters, nothing else", () => {
    expect(["application/json", "Application/JSON; charset=utf-8"].map(isJsonContentType)).toEqual([true, true]);
    expect(
      [null, "", "text/plain", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "application/json-seq", "application/jsonx"].map(
        isJsonContentType,
      ),
    ).toEqual([false, false, false, false, false, false, false]);
  });
});
