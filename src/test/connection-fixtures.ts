// Connections and grants for tests: a grant over temp roots, a secrets box with a fresh key, and
// connections created the way the API creates them.
import path from "node:path";
import type { TenantGrant } from "@/server/domain/grants";
import { generateSecretKey, SecretBox } from "@/server/secrets/secret-box";
import type { ServiceDeps } from "@/server/deps";
import { createConnection } from "@/server/services/connections/create-connection";
import { createConnectionInput, type ConnectionView } from "@/shared/contracts/connections";
import { S3RVER_CREDENTIALS } from "./s3-server";

/** The connection every run world's tenant has on its root. */
export const FILES = "files";

/** What tests grant by default: the given roots, AWS and the given endpoints (loopback allowed), ambient credentials. */
export function testGrant(localRoots: string[], s3Endpoints: string[] = []): TenantGrant {
  return {
    localRoots,
    s3: { endpoints: ["aws", ...s3Endpoints.map((e) => new URL(e).origin)], allowPrivateAddresses: true, ambientCredentials: true, credentialRefs: [] },
  };
}

export function testSecrets(): SecretBox {
  return new SecretBox(generateSecretKey().key);
}

export async function createLocalConnection(deps: ServiceDeps, tenantId: string, name: string, dir: string): Promise<ConnectionView> {
  return createConnection(deps, tenantId, createConnectionInput.parse({ name, location: { type: "LOCAL", path: dir } }));
}

/** An S3 connection on the test server, signing with its keys (stored encrypted). */
export async function createS3Connection(
  deps: ServiceDeps,
  tenantId: string,
  name: string,
  s3: { endpoint: string; bucket: string; prefix?: string },
): Promise<ConnectionView> {
  return createConnection(
    deps,
    tenantId,
    createConnectionInput.parse({
      name,
      location: {
        type: "S3",
        bucket: s3.bucket,
        prefix: s3.prefix ?? "",
        endpoint: s3.endpoint,
        forcePathStyle: true,
        credentials: { kind: "KEYS", ...S3RVER_CREDENTIALS },
      },
    }),
  );
}

/** `{ connection: "files", path }` for a directory under a run world's root. */
export function filesSource(root: string, dir: string, extra: { glob?: string; modifiedAfter?: Date | string | null } = {}) {
  const rel = path.relative(root, dir);
  if (rel.startsWith("..") || path.isAbsolute(rel)) throw new Error(`filesSource: ${dir} is not under ${root}`);
  return { connection: FILES, path: rel.split(path.sep).join("/"), ...extra };
}
