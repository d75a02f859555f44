// Builds the Source a tenant reads through one of its connections, checking the connection
// against the tenant's grants every time (a grant withdrawn stops the next preview or run).
import path from "node:path";
import type { Prisma } from "@/generated/prisma/client";
import type { Db } from "@/server/db/database";
import { AWS_ENDPOINT, grantFor, s3GrantError, type Grants, type TenantGrant } from "@/server/domain/grants";
import type { SecretBox } from "@/server/secrets/secret-box";
import { isWithin, localSourceError } from "./local-roots";
import { LocalSource } from "./local-source";
import { checkEndpoint, type EndpointPolicy } from "./network-policy";
import { S3Source, s3Credentials, type S3Credentials } from "./s3-source";
import { SourceError, type Source } from "./source";

/** The columns a Source is built from (the secret only as ciphertext; decrypted here, never returned). */
export const storedConnectionSelect = {
  id: true,
  name: true,
  type: true,
  localPath: true,
  bucket: true,
  prefix: true,
  region: true,
  endpoint: true,
  forcePathStyle: true,
  credentialsKind: true,
  credentialsRef: true,
  secretCiphertext: true,
} satisfies Prisma.ConnectionSelect;

export type StoredConnection = Prisma.ConnectionGetPayload<{ select: typeof storedConnectionSelect }>;

/** What an ingestion (or a preview) reads: a connection of the tenant and a path inside it. */
export interface SourceSpec {
  tenantId: string;
  connectionId: string;
  /** "" for the connection's root; "/"-separated, relative, no "..". */
  sourcePath: string;
}

export type SourceFactory = (spec: SourceSpec) => Promise<Source>;

export interface SourceContext {
  grants: Grants;
  /** Decrypts connections' own keys; null when no secrets key is configured. */
  secrets: SecretBox | null;
  /** Where AMBIENT (AWS_*) and ENV_REF (AUTOLOADER_S3_<REF>_*) credentials are read; process.env by default. */
  env?: Record<string, string | undefined>;
}

function joinKey(prefix: string, sub: string): string {
  return [prefix, sub].map((p) => p.replace(/^\/+|\/+$/g, "")).filter(Boolean).join("/");
}

/** The location a connection and a path name: an absolute directory, or s3://bucket/prefix. */
export function connectionUri(c: Pick<StoredConnection, "type" | "localPath" | "bucket" | "prefix">, sourcePath: string): string {
  if (c.type === "LOCAL") return path.join(c.localPath ?? "/", sourcePath);
  return `s3://${c.bucket ?? ""}/${joinKey(c.prefix, sourcePath)}`;
}

const notGranted = (message: string) => new SourceError("NOT_GRANTED", message);

/** Why a local directory is not granted to the tenant, or null. */
export async function localGrantError(grant: TenantGrant, dir: string): Promise<string | null> {
  if (grant.localRoots.length === 0) {
    return "Local connections are not granted to this tenant: the operator grants local roots per tenant (AUTOLOADER_GRANTS_FILE)";
  }
  const lexical = path.resolve(dir);
  if (!grant.localRoots.some((r) => isWithin(lexical, r))) {
    return `Local directory ${lexical} is not under a root granted to this tenant (${grant.localRoots.join(", ")})`;
  }
  // Symlinks out of the granted roots, files in the way, loops.
  return localSourceError(lexical, grant.localRoots);
}

/** The network policy of a tenant's custom endpoints: the granted origins ("aws" is no custom endpoint). */
export function endpointPolicy(grant: TenantGrant): EndpointPolicy {
  return {
    allowedEndpoints: grant.s3.endpoints.filter((e) => e !== AWS_ENDPOINT),
    allowPrivateAddresses: grant.s3.allowPrivateAddresses,
  };
}

/** Decrypts a connection's own keys. */
export function connectionKeys(c: Pick<StoredConnection, "name" | "secretCiphertext">, secrets: SecretBox | null): S3Credentials {
  if (!c.secretCiphertext) throw new SourceError("NO_CREDENTIALS", `Connection '${c.name}' has no stored keys: update it with its access key and secret`);
  if (!secrets) {
    throw new SourceError("NO_CREDENTIALS", `Connection '${c.name}' has stored keys but the server has no secrets key: the operator sets AUTOLOADER_SECRETS_KEY`);
  }
  const parsed = JSON.parse(secrets.decrypt(c.secretCiphertext)) as Partial<S3Credentials>;
  if (!parsed.accessKeyId || !parsed.secretAccessKey) throw new SourceError("NO_CREDENTIALS", `Connection '${c.name}' has incomplete stored keys`);
  return {
    accessKeyId: parsed.accessKeyId,
    secretAccessKey: parsed.secretAccessKey,
    ...(parsed.sessionToken ? { sessionToken: parsed.sessionToken } : {}),
  };
}

/**
 * The Source of `sourcePath` inside connection `c` under `grant`, after checking the grant:
 * local roots; S3 endpoint, its addresses after DNS, and the kind of credentials. Throws
 * SourceError (NOT_GRANTED, OUTSIDE_ROOTS, ENDPOINT_REFUSED, NO_CREDENTIALS) otherwise.
 */
export async function connectionSource(
  ctx: SourceContext,
  grant: TenantGrant,
  c: StoredConnection,
  sourcePath: string,
): Promise<Source> {
  const uri = connectionUri(c, sourcePath);
  if (c.type === "LOCAL") {
    // The connection's own directory is the grant's business; a path inside it that leaves the
    // roots (a symlink out) is the path's, so the form shows it under Path.
    const error = await localGrantError(grant, c.localPath ?? uri);
    if (error) throw notGranted(error);
    const pathError = uri === c.localPath ? null : await localGrantError(grant, uri);
    if (pathError) throw new SourceError("OUTSIDE_ROOTS", pathError);
    return new LocalSource(uri, grant.localRoots);
  }
  const kind = c.credentialsKind ?? "AMBIENT";
  const refusal = s3GrantError(grant, { endpoint: c.endpoint, credentialsKind: kind, credentialsRef: c.credentialsRef });
  if (refusal) throw notGranted(refusal.message);
  const network = endpointPolicy(grant);
  if (c.endpoint) await checkEndpoint(c.endpoint, network);
  const env = ctx.env ?? process.env;
  const credentials: S3Credentials | "anonymous" =
    kind === "KEYS"
      ? connectionKeys(c, ctx.secrets)
      : kind === "NONE"
        ? "anonymous"
        : kind === "ENV_REF"
          ? s3Credentials(c.credentialsRef, env)
          : s3Credentials(null, env);
  return new S3Source({
    bucket: c.bucket ?? "",
    prefix: joinKey(c.prefix, sourcePath),
    region: c.region,
    endpoint: c.endpoint,
    forcePathStyle: c.forcePathStyle,
    credentials,
    ...(c.endpoint ? { network } : {}),
    env,
  });
}

/** The tenant's effective grant, by its slug. */
export async function tenantGrant(db: Db, grants: Grants, tenantId: string): Promise<TenantGrant> {
  const tenant = await db.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { slug: true } });
  return grantFor(grants, tenant.slug);
}

/**
 * The factory runs and services use: loads the connection scoped to the tenant (another tenant's
 * connection is not found), resolves the tenant's grant, and builds the checked Source.
 */
export function createSourceFactory(db: Db, ctx: SourceContext): SourceFactory {
  return async (spec) => {
    const c = await db.connection.findFirst({
      where: { id: spec.connectionId, tenantId: spec.tenantId },
      select: storedConnectionSelect,
    });
    if (!c) throw new SourceError("NOT_FOUND", `No connection '${spec.connectionId}'`);
    return connectionSource(ctx, await tenantGrant(db, ctx.grants, spec.tenantId), c, spec.sourcePath);
  };
}
