// Lookups and grant checks shared by the connection services and the services that read through one.
import type { Prisma } from "@/generated/prisma/client";
import { DomainError, notFound } from "@/server/domain/errors";
import type { ConnectionLocation } from "@/shared/contracts/connections";
import { s3GrantError } from "@/server/domain/grants";
import { SourceError } from "@/server/sources/source";
import { endpointPolicy, localGrantError, storedConnectionSelect, tenantGrant, type StoredConnection } from "@/server/sources/source-factory";
import { checkEndpoint } from "@/server/sources/network-policy";
import type { ServiceDeps } from "@/server/deps";

/** The tenant's connection of that name; another tenant's is indistinguishable from none. */
export async function findOwnedConnection<S extends Prisma.ConnectionSelect>(
  deps: ServiceDeps,
  tenantId: string,
  name: string,
  select: S,
  field?: string,
): Promise<Prisma.ConnectionGetPayload<{ select: S }>> {
  const row = await deps.db.connection.findFirst({ where: { tenantId, name }, select });
  if (!row) {
    const e = notFound("connection", name);
    throw field ? new DomainError("NOT_FOUND", e.message, field) : e;
  }
  return row as Prisma.ConnectionGetPayload<{ select: S }>;
}

/** The stored connection (with its ciphertext, for building a Source) by name. */
export function findStoredConnection(deps: ServiceDeps, tenantId: string, name: string, field = "source.connection"): Promise<StoredConnection> {
  return findOwnedConnection(deps, tenantId, name, storedConnectionSelect, field);
}

/**
 * Refuses a location the tenant's grants do not allow: a local directory outside its roots, an
 * S3 endpoint not granted or resolving to a refused address, credentials it may not use.
 */
export async function assertLocationGranted(deps: ServiceDeps, tenantId: string, location: ConnectionLocation): Promise<void> {
  const grant = await tenantGrant(deps.db, deps.config.grants, tenantId);
  if (location.type === "LOCAL") {
    const error = await localGrantError(grant, location.path);
    if (error) throw new DomainError("BAD_REQUEST", error, "location.path");
    return;
  }
  const c = location.credentials;
  const refusal = s3GrantError(grant, {
    endpoint: location.endpoint,
    credentialsKind: c.kind,
    credentialsRef: c.kind === "ENV_REF" ? c.ref : null,
  });
  if (refusal) throw new DomainError("BAD_REQUEST", refusal.message, `location.${refusal.field}`);
  if (location.endpoint) {
    try {
      await checkEndpoint(location.endpoint, endpointPolicy(grant));
    } catch (error) {
      if (error instanceof SourceError) throw new DomainError("BAD_REQUEST", error.message, "location.endpoint");
      throw error;
    }
  }
  if (c.kind === "KEYS" && !deps.config.secrets) {
    throw new DomainError(
      "PRECONDITION_FAILED",
      "This server cannot store connection keys: it has no secrets key (the operator sets AUTOLOADER_SECRETS_KEY)",
      "location.credentials",
    );
  }
}

/** The input field a storage failure is about: the path for what is missing or outside, else the connection. */
export function sourceErrorField(error: SourceError): string {
  return error.code === "NOT_FOUND" || error.code === "OUTSIDE_ROOTS" ? "source.path" : "source.connection";
}
