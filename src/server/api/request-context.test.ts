import { describe, expect, it } from "vitest";
import { readCookie } from "./request-context";

describe("readCookie", () => {
  it.each([
    ["the only cookie", "autoloader_session=abc.def", "abc.def"],
    ["the first of several", "autoloader_session=abc; theme=dark; lang=en", "abc"],
    ["the last of several", "theme=dark; lang=en; autoloader_session=abc", "abc"],
    ["a cookie in the middle", "theme=dark;autoloader_session=abc;lang=en", "abc"],
    ["spaces around names and values", "  theme = dark ;  autoloader_session =  abc  ; lang=en", "abc"],
    ["a percent-encoded value", "autoloader_session=a%2Bb%3Dc%20d", "a+b=c d"],
    ["a value containing '='", "autoloader_session=abc==", "abc=="],
    ["an empty value", "autoloader_session=; theme=dark", ""],
    ["the first of two with the same name", "autoloader_session=first; autoloader_session=second", "first"],
  ])("reads %s", (_label, header, value) => {
    expect(readCookie(header, "autoloader_session")).toBe(value);
  });

  it.each([
    ["no header", null],
    ["an empty header", ""],
    ["other cookies only", "theme=dark; lang=en"],
    ["a name that only starts the same", "autoloader_session_old=abc; xautoloader_session=def"],
    ["the name as a value", "theme=autoloader_session"],
    ["the name without '='", "autoloader_session; theme=dark"],
  ])("finds nothing in %s", (_label, header) => {
    expect(readCookie(header, "autoloader_session")).toBeUndefined();
  });

  it("is case-sensitive about the name", () => {
    expect(readCookie("Autoloader_Session=abc", "autoloader_session")).toBeUndefined();
  });

  // The header comes from the client; a malformed escape must not throw while building the request context.
  it("does not throw on a malformed percent-encoding", () => {
    expect(() => readCookie("autoloader_session=%E0%A4%A; theme=dark", "autoloader_session")).not.toThrow();
  });
});
