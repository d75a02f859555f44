// A connection's location as its columns, the keys encrypted.
import type { ConnectionLocation } from "@/shared/contracts/connections";
import type { SecretBox } from "@/server/secrets/secret-box";
import { DomainError } from "@/server/domain/errors";

export function locationColumns(location: ConnectionLocation, secrets: SecretBox | null) {
  if (location.type === "LOCAL") {
    return {
      type: "LOCAL" as const,
      localPath: location.path,
      bucket: null,
      prefix: "",
      region: null,
      endpoint: null,
      forcePathStyle: false,
      credentialsKind: null,
      credentialsRef: null,
      secretCiphertext: null,
    };
  }
  const c = location.credentials;
  let secretCiphertext: string | null = null;
  if (c.kind === "KEYS") {
    if (!secrets) throw new DomainError("PRECONDITION_FAILED", "This server has no secrets key (AUTOLOADER_SECRETS_KEY)");
    secretCiphertext = secrets.encrypt(
      JSON.stringify({ accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}) }),
    );
  }
  return {
    type: "S3" as const,
    localPath: null,
    bucket: location.bucket,
    prefix: location.prefix,
    region: location.region,
    endpoint: location.endpoint,
    forcePathStyle: location.forcePathStyle,
    credentialsKind: c.kind,
    credentialsRef: c.kind === "ENV_REF" ? c.ref : null,
    secretCiphertext,
  };
}

/** Runs `write`; a unique violation on (tenant, name) becomes a CONFLICT naming the connection. */
export async function withNameGuard<T>(name: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if ((error as { code?: string }).code === "P2002") {
      throw new DomainError("CONFLICT", `A connection named '${name}' already exists`, "name");
    }
    throw error;
  }
}
