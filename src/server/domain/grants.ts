// What the server operator lets each tenant reach: local roots, S3 endpoints, the server's own
// AWS credentials and its AUTOLOADER_S3_<REF>_* credentials. Pure: parsing, defaults, lookup.
import path from "node:path";
import { z } from "zod";

/** In `s3.endpoints`: AWS's own S3 (a connection without a custom endpoint). */
export const AWS_ENDPOINT = "aws";

export interface S3Grant {
  /** "aws" and/or endpoint origins such as "https://minio.example.com:9000". */
  endpoints: string[];
  /** Whether endpoints may resolve to loopback, private or link-local addresses. */
  allowPrivateAddresses: boolean;
  /** Whether connections may use the server's own AWS credentials (AWS_ACCESS_KEY_ID…). */
  ambientCredentials: boolean;
  /** Which AUTOLOADER_S3_<REF>_* credential sets connections may name. */
  credentialRefs: string[];
}

export interface TenantGrant {
  /** Absolute directories local connections must lie under; empty: no local connections. */
  localRoots: string[];
  s3: S3Grant;
}

export interface Grants {
  /** Where the grants came from, for messages ("the grants file /x/grants.json", "the defaults"). */
  source: string;
  tenants: Record<string, Partial<Omit<TenantGrant, "s3">> & { s3?: Partial<S3Grant> }>;
  /** The "*" entry: what any tenant without its own value gets. */
  fallback: Partial<Omit<TenantGrant, "s3">> & { s3?: Partial<S3Grant> };
}

/** What a tenant gets when nothing grants it more: no local roots, AWS S3 with its own keys only. */
export const NO_GRANT: TenantGrant = {
  localRoots: [],
  s3: { endpoints: [AWS_ENDPOINT], allowPrivateAddresses: false, ambientCredentials: false, credentialRefs: [] },
};

/** Normalises an endpoint for comparison: its origin (scheme, host, port), or "aws". */
export function endpointOrigin(endpoint: string): string | null {
  if (endpoint === AWS_ENDPOINT) return AWS_ENDPOINT;
  try {
    const u = new URL(endpoint);
    if (u.protocol !== "http:" && u.protocol !== "https:") return null;
    if (u.username || u.password) return null;
    return u.origin;
  } catch {
    return null;
  }
}

const CREDENTIALS_REF = /^[A-Z][A-Z0-9_]{0,63}$/;
const TENANT_KEY = /^(\*|[a-z0-9][a-z0-9-]{0,62})$/;

const s3GrantSchema = z
  .object({
    endpoints: z
      .array(
        z.string().refine((e) => endpointOrigin(e) !== null, {
          error: (iss) => `"${String(iss.input)}" is not "aws" or an http(s) origin such as https://minio.example.com:9000`,
        }),
      )
      .transform((es) => [...new Set(es.map((e) => endpointOrigin(e) ?? e))]),
    allowPrivateAddresses: z.boolean(),
    ambientCredentials: z.boolean(),
    credentialRefs: z.array(
      z.string().regex(CREDENTIALS_REF, "must be an upper-case name such as ACME (AUTOLOADER_S3_ACME_ACCESS_KEY_ID…)"),
    ),
  })
  .strict()
  .partial();

const tenantGrantSchema = z
  .object({
    localRoots: z.array(
      z
        .string()
        .refine((r) => path.isAbsolute(r), { error: (iss) => `"${String(iss.input)}" is not an absolute path` })
        .transform((r) => path.resolve(r)),
    ),
    s3: s3GrantSchema,
  })
  .strict()
  .partial();

const grantsFileSchema = z
  .object({
    tenants: z.record(
      z.string().regex(TENANT_KEY, 'must be a tenant slug (lowercase letters, digits, hyphens) or "*"'),
      tenantGrantSchema,
      // zod reports a bad key as "Invalid key in record"; surface the key's own message instead.
      { error: (iss) => (iss.code === "invalid_key" ? iss.issues?.[0]?.message : undefined) },
    ),
  })
  .strict();

export class GrantsError extends Error {
  override name = "GrantsError";
}

/** Parses a grants file's JSON; the error names the file and each bad field. */
export function parseGrants(json: unknown, source: string): Grants {
  const parsed = grantsFileSchema.safeParse(json);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".") || "(top level)"}: ${i.message}`);
    throw new GrantsError(`Invalid ${source}:\n${lines.join("\n")}`);
  }
  const { "*": fallback = {}, ...tenants } = parsed.data.tenants;
  return { source, tenants, fallback };
}

/**
 * With no grants file: the `default` tenant (a single-tenant install) gets `defaultRoots`, AWS
 * plus `endpoints`, and the server's ambient credentials; every other tenant gets NO_GRANT.
 * The operator named those endpoints (AUTOLOADER_S3_ENDPOINTS) one by one, which is the explicit
 * permission a MinIO on 127.0.0.1 or on the private network needs: the default tenant may reach
 * them on private addresses. No other endpoint is reachable, so nothing else gets that.
 */
export function defaultGrants(defaultRoots: string[], endpoints: string[] = []): Grants {
  return {
    source: "the default grants (no grants file)",
    tenants: {
      default: {
        localRoots: defaultRoots,
        s3: {
          endpoints: [AWS_ENDPOINT, ...endpoints],
          allowPrivateAddresses: endpoints.length > 0,
          ambientCredentials: true,
          credentialRefs: [],
        },
      },
    },
    fallback: {},
  };
}

/** A tenant's effective grant: its own entry, then "*", then NO_GRANT, field by field. */
export function grantFor(grants: Grants, tenantSlug: string): TenantGrant {
  const own = grants.tenants[tenantSlug] ?? {};
  const any = grants.fallback;
  return {
    localRoots: own.localRoots ?? any.localRoots ?? NO_GRANT.localRoots,
    s3: {
      endpoints: own.s3?.endpoints ?? any.s3?.endpoints ?? NO_GRANT.s3.endpoints,
      allowPrivateAddresses: own.s3?.allowPrivateAddresses ?? any.s3?.allowPrivateAddresses ?? false,
      ambientCredentials: own.s3?.ambientCredentials ?? any.s3?.ambientCredentials ?? false,
      credentialRefs: own.s3?.credentialRefs ?? any.s3?.credentialRefs ?? [],
    },
  };
}

/** The same grant for every tenant (tests, benchmarks). */
export function grantsForAll(grant: TenantGrant): Grants {
  return { source: "a test grant", tenants: {}, fallback: grant };
}

export type CredentialsKindName = "KEYS" | "AMBIENT" | "ENV_REF" | "NONE";

/**
 * Why a connection's S3 settings are not granted (endpoint, credentials), or null. The
 * endpoint's addresses are checked separately, after DNS (sources/network-policy.ts).
 */
export function s3GrantError(
  grant: TenantGrant,
  c: { endpoint: string | null; credentialsKind: CredentialsKindName; credentialsRef: string | null },
): { field: string; message: string } | null {
  const origin = c.endpoint === null ? AWS_ENDPOINT : endpointOrigin(c.endpoint);
  if (origin === null) return { field: "endpoint", message: `Endpoint ${c.endpoint} is not an http(s) URL` };
  if (!grant.s3.endpoints.includes(origin)) {
    const allowed = grant.s3.endpoints.length ? grant.s3.endpoints.join(", ") : "none";
    return {
      field: "endpoint",
      message:
        origin === AWS_ENDPOINT
          ? `AWS S3 is not granted to this tenant (allowed endpoints: ${allowed}); ask the operator to add "aws" to its s3.endpoints grant`
          : `Endpoint ${origin} is not granted to this tenant (allowed: ${allowed}); ask the operator to add it to its s3.endpoints grant`,
    };
  }
  if (c.credentialsKind === "AMBIENT") {
    if (c.endpoint !== null) {
      return {
        field: "credentials",
        message: "The server's own AWS credentials are only used with AWS S3, never with a custom endpoint; give the connection its own keys",
      };
    }
    if (!grant.s3.ambientCredentials) {
      return {
        field: "credentials",
        message: "The server's own AWS credentials are not granted to this tenant; give the connection its own keys",
      };
    }
  }
  if (c.credentialsKind === "ENV_REF" && (c.credentialsRef === null || !grant.s3.credentialRefs.includes(c.credentialsRef))) {
    return {
      field: "credentials.ref",
      message: `Credentials reference ${c.credentialsRef ?? "(none)"} is not granted to this tenant; give the connection its own keys`,
    };
  }
  return null;
}
