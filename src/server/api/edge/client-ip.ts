// The client's address for rate limits. Next's route handlers do not see the socket; Next puts the
// peer's address in X-Forwarded-For only when the request has none, and keeps one a client sent.
// So the header is believed only as far as the operator says proxies append to it.
import { isIP } from "node:net";

/**
 * With `trustProxyHops` proxies in front, each appending the address it saw, the client is the
 * entry that many places from the right. With none, the last entry: the socket's address when the
 * client sent no header (a client can forge it otherwise; see the README).
 */
export function clientIp(headers: Headers, trustProxyHops: number): string {
  const entries = (headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean);
  const index = entries.length - Math.max(1, trustProxyHops);
  const chosen = entries[Math.max(0, index)];
  return chosen ? normaliseIp(chosen) : "unknown";
}

/** `::ffff:1.2.3.4` is 1.2.3.4; a port after an IPv4 address or a bracketed IPv6 one is dropped. */
function normaliseIp(raw: string): string {
  let ip = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(ip);
  if (bracketed?.[1]) ip = bracketed[1];
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(ip)) ip = ip.slice(0, ip.lastIndexOf(":"));
  ip = ip.toLowerCase();
  if (ip.startsWith("::ffff:") && isIP(ip.slice(7)) === 4) ip = ip.slice(7);
  // Not an address (a proxy's "unknown" or garbage): one shared bucket, not one per string.
  return isIP(ip) ? ip : "invalid";
}
