import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signSessionToken, verifySessionCookie } from "./sessions";

const SECRET = "a-session-secret-of-at-least-32-chars";
const OTHER_SECRET = "another-secret-also-32-characters-long";
const TOKEN = "Jx2mS0b7dQ_-k3Vw9yZtR4uE8pLa1cNf6hGiOqW5sXo";

describe("signSessionToken", () => {
  it("appends an HMAC-SHA256 signature of the token, base64url-encoded, after a dot", () => {
    const expected = createHmac("sha256", SECRET).update(TOKEN).digest("base64url");
    expect(signSessionToken(TOKEN, SECRET)).toBe(`${TOKEN}.${expected}`);
  });

  it("signs differently with another secret or another token", () => {
    const signed = signSessionToken(TOKEN, SECRET);
    expect(signSessionToken(TOKEN, OTHER_SECRET)).not.toBe(signed);
    expect(signSessionToken(`${TOKEN}x`, SECRET).split(".")[1]).not.toBe(signed.split(".")[1]);
  });
});

describe("verifySessionCookie", () => {
  it("returns the token of a cookie it signed", () => {
    expect(verifySessionCookie(signSessionToken(TOKEN, SECRET), SECRET)).toBe(TOKEN);
  });

  it("returns a token that itself contains dots", () => {
    expect(verifySessionCookie(signSessionToken("a.b.c", SECRET), SECRET)).toBe("a.b.c");
  });

  it("refuses a cookie signed with another secret", () => {
    expect(verifySessionCookie(signSessionToken(TOKEN, OTHER_SECRET), SECRET)).toBeNull();
  });

  it("refuses a tampered token", () => {
    const signature = signSessionToken(TOKEN, SECRET).split(".")[1];
    expect(verifySessionCookie(`${TOKEN.slice(0, -1)}A.${signature}`, SECRET)).toBeNull();
  });

  it("refuses a tampered signature", () => {
    const signed = signSessionToken(TOKEN, SECRET);
    const last = signed.at(-1) === "A" ? "B" : "A";
    expect(verifySessionCookie(`${signed.slice(0, -1)}${last}`, SECRET)).toBeNull();
  });

  it("refuses a signature of another length", () => {
    const signed = signSessionToken(TOKEN, SECRET);
    expect(verifySessionCookie(`${signed}A`, SECRET)).toBeNull();
    expect(verifySessionCookie(signed.slice(0, -1), SECRET)).toBeNull();
    expect(verifySessionCookie(`${TOKEN}.`, SECRET)).toBeNull();
  });

  it.each([
    ["no dot", TOKEN],
    ["an empty value", ""],
    ["only a signature", `.${createHmac("sha256", SECRET).update("").digest("base64url")}`],
  ])("refuses a value with %s", (_label, value) => {
    expect(verifySessionCookie(value, SECRET)).toBeNull();
  });
});
