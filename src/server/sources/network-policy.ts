// Which network addresses an S3-compatible endpoint may reach: only origins the operator allows,
// and no loopback, private, link-local or metadata address unless the operator allows those too.
// Checked once when an endpoint is saved or previewed (checkEndpoint), and again on every TCP
// connection the S3 client opens, after DNS resolution (guardedAgents), so DNS rebinding and
// redirects cannot reach what the first check refused.
import type { LookupAddress, LookupAllOptions, LookupOneOptions } from "node:dns";
import { lookup as dnsLookup } from "node:dns";
import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import type { Duplex } from "node:stream";
import ipaddr from "ipaddr.js";
import { SourceError } from "./source";

export interface EndpointPolicy {
  /** Origins the operator allows, e.g. "https://minio.example.com:9000" or "http://127.0.0.1:9000". */
  allowedEndpoints: string[];
  /** Whether an allowed endpoint may resolve to a loopback, private, link-local or metadata address. */
  allowPrivateAddresses: boolean;
}

/** The cloud instance-metadata services (AWS, GCP, Azure: 169.254.169.254; AWS IPv6: fd00:ec2::254). */
const METADATA_ADDRESSES = new Set(["169.254.169.254", "fd00:ec2::254"]);

const RANGE_NAMES: Record<string, string> = {
  unspecified: "an unspecified address",
  broadcast: "a broadcast address",
  multicast: "a multicast address",
  linkLocal: "a link-local address",
  loopback: "a loopback address",
  carrierGradeNat: "a carrier-grade NAT address",
  private: "a private address",
  uniqueLocal: "a private (unique local) address",
  reserved: "a reserved address",
};

/**
 * null when `address` (an IP literal) is a public unicast address, or when it is a non-public
 * one and `allowPrivate`; otherwise what kind of address it is. Multicast, broadcast and
 * reserved addresses and IPv6 forms that embed an IPv4 address other than ::ffff:x are never
 * allowed: no S3 endpoint lives there.
 */
export function addressRefusal(address: string, allowPrivate: boolean): string | null {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.parse(address.replace(/^\[|\]$/g, ""));
  } catch {
    return "not an IP address";
  }
  // ::ffff:127.0.0.1 is 127.0.0.1 to the kernel.
  if (ip.kind() === "ipv6" && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  const normal = ip.kind() === "ipv6" ? (ip as ipaddr.IPv6).toRFC5952String() : ip.toString();
  if (METADATA_ADDRESSES.has(normal)) return allowPrivate ? null : "a cloud metadata address";
  const range = ip.range();
  if (range === "unicast") return null;
  if (allowPrivate && ["loopback", "private", "uniqueLocal", "linkLocal", "carrierGradeNat"].includes(range)) return null;
  return RANGE_NAMES[range] ?? `a special-purpose address (${range})`;
}

interface ParsedEndpoint {
  protocol: "http:" | "https:";
  /** Lower case, without IPv6 brackets; IPv4 in dotted-quad form (WHATWG URL normalises 0x7f000001, 127.1, ...). */
  hostname: string;
  port: number;
  origin: string;
}

function parseEndpoint(endpoint: string): ParsedEndpoint | string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return "it is not a URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `its scheme is ${url.protocol.replace(/:$/, "")}, not http or https`;
  if (url.username || url.password) return "it contains a user name or password";
  const hostname = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const port = url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
  return { protocol: url.protocol, hostname, port, origin: url.origin };
}

function refused(endpoint: string, why: string): SourceError {
  return new SourceError("ENDPOINT_REFUSED", `S3 endpoint ${endpoint} is refused: ${why}`);
}

/** The allowed origin `target` matches (same scheme, host and port), or null. */
function allowedOrigin(target: ParsedEndpoint, policy: EndpointPolicy): ParsedEndpoint | null {
  for (const allowed of policy.allowedEndpoints) {
    const a = parseEndpoint(allowed);
    if (typeof a === "string") continue;
    if (a.protocol === target.protocol && a.hostname === target.hostname && a.port === target.port) return a;
  }
  return null;
}

export type LookupAll = (hostname: string) => Promise<LookupAddress[]>;

const lookupAll: LookupAll = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (e, a) => (e ? reject(e) : resolve(a))));

/**
 * Refuses an endpoint the operator did not allow, or one whose host is (or resolves to) an
 * address the policy refuses. Throws SourceError("ENDPOINT_REFUSED") naming the endpoint and why.
 */
export async function checkEndpoint(endpoint: string, policy: EndpointPolicy, lookup: LookupAll = lookupAll): Promise<void> {
  const target = parseEndpoint(endpoint);
  if (typeof target === "string") throw refused(endpoint, target);
  if (!allowedOrigin(target, policy)) {
    throw refused(
      endpoint,
      policy.allowedEndpoints.length === 0
        ? "the server allows no custom S3 endpoints; ask the operator to allow this one"
        : `it is not one of the endpoints the server allows (${policy.allowedEndpoints.join(", ")})`,
    );
  }
  if (isIP(target.hostname)) {
    const why = addressRefusal(target.hostname, policy.allowPrivateAddresses);
    if (why) throw refused(endpoint, `${target.hostname} is ${why}`);
    return;
  }
  let addresses: LookupAddress[];
  try {
    addresses = await lookup(target.hostname);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    throw new SourceError("UNREACHABLE", `Cannot resolve the S3 endpoint ${endpoint}: ${code}`, { cause: error });
  }
  for (const a of addresses) {
    const why = addressRefusal(a.address, policy.allowPrivateAddresses);
    if (why) throw refused(endpoint, `${target.hostname} resolves to ${a.address}, ${why}`);
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * The agents an S3 client for `endpoint` connects through: every connection must go to the
 * endpoint's host (or a bucket subdomain of it, for virtual-hosted style) and port, and every
 * address it resolves to must pass `addressRefusal` under the policy. The checks run inside the
 * connect, on the addresses the socket is about to use, so nothing else can leave.
 */
export function guardedAgents(endpoint: string, policy: EndpointPolicy): { httpAgent: http.Agent; httpsAgent: https.Agent } {
  const configured = parseEndpoint(endpoint);
  const allowPrivate = policy.allowPrivateAddresses;

  const refusal = (protocol: string, host: string, port: number): string | null => {
    if (typeof configured === "string") return configured;
    if (!allowedOrigin(configured, policy)) return "it is not one of the endpoints the server allows";
    const sameHost = host === configured.hostname || (!isIP(configured.hostname) && host.endsWith(`.${configured.hostname}`));
    if (protocol !== configured.protocol || !sameHost || port !== configured.port) {
      return `a connection to ${protocol}//${host}:${port} leaves the endpoint`;
    }
    return null;
  };

  const lookup = (hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      for (const a of addresses) {
        const why = addressRefusal(a.address, allowPrivate);
        if (why) return callback(refused(endpoint, `${hostname} resolves to ${a.address}, ${why}`) as NodeJS.ErrnoException, []);
      }
      const first = addresses[0];
      if (options.all) return callback(null, addresses);
      if (!first) return callback(Object.assign(new Error(`No address for ${hostname}`), { code: "ENOTFOUND" }), []);
      return callback(null, first.address, first.family);
    });
  };

  /** Checks one connection before it is opened; hands back the options to open it with, or an error. */
  const guard = (protocol: "http:" | "https:", options: http.ClientRequestArgs): http.ClientRequestArgs | SourceError => {
    const host = String(options.hostname ?? options.host ?? "").replace(/^\[|\]$/g, "").toLowerCase();
    const port = Number(options.port ?? (protocol === "https:" ? 443 : 80));
    const why = refusal(protocol, host, port);
    if (why) return refused(endpoint, why);
    // An IP literal is connected to without a lookup: judge it here.
    if (isIP(host)) {
      const kind = addressRefusal(host, allowPrivate);
      return kind ? refused(endpoint, `${host} is ${kind}`) : options;
    }
    return { ...options, lookup } as http.ClientRequestArgs;
  };

  const fail = (callback: ((err: Error | null, stream: Duplex) => void) | undefined, error: SourceError) => {
    process.nextTick(() => callback?.(error, undefined as unknown as Duplex));
    return undefined;
  };

  class GuardedHttpAgent extends http.Agent {
    override createConnection(options: http.ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void) {
      const checked = guard("http:", options);
      if (checked instanceof SourceError) return fail(callback, checked);
      return super.createConnection(checked, callback);
    }
  }
  class GuardedHttpsAgent extends https.Agent {
    override createConnection(options: https.RequestOptions, callback?: (err: Error | null, stream: Duplex) => void) {
      const checked = guard("https:", options);
      if (checked instanceof SourceError) return fail(callback, checked);
      return super.createConnection(checked as https.RequestOptions, callback);
    }
  }
  return { httpAgent: new GuardedHttpAgent({ keepAlive: true }), httpsAgent: new GuardedHttpsAgent({ keepAlive: true }) };
}
