// A connection row as the API returns it (shared/contracts/connections.ts): never its secret, at
// most a hint of its access key id.
import type { Prisma } from "@/generated/prisma/client";
import type { ConnectionView } from "@/shared/contracts/connections";
import type { SecretBox } from "@/server/secrets/secret-box";
import { connectionUri, storedConnectionSelect } from "@/server/sources/source-factory";

/** The columns a view needs; the ciphertext only to derive the key-id hint. */
export const connectionSelect = {
  ...storedConnectionSelect,
  description: true,
  createdAt: true,
  updatedAt: true,
  _count: { select: { ingestions: true } },
} satisfies Prisma.ConnectionSelect;

export type ConnectionRow = Prisma.ConnectionGetPayload<{ select: typeof connectionSelect }>;

function keyHint(ciphertext: string | null, secrets: SecretBox | null): string | null {
  if (!ciphertext || !secrets) return null;
  try {
    const { accessKeyId } = JSON.parse(secrets.decrypt(ciphertext)) as { accessKeyId?: string };
    return accessKeyId && accessKeyId.length > 8 ? `…${accessKeyId.slice(-4)}` : "…";
  } catch {
    return null;
  }
}

export function toConnectionView(row: ConnectionRow, secrets: SecretBox | null): ConnectionView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    type: row.type,
    uri: connectionUri(row, ""),
    local: row.type === "LOCAL" ? { path: row.localPath ?? "" } : null,
    s3:
      row.type === "S3"
        ? {
            bucket: row.bucket ?? "",
            prefix: row.prefix,
            region: row.region,
            endpoint: row.endpoint,
            forcePathStyle: row.forcePathStyle,
            credentials: {
              kind: row.credentialsKind ?? "AMBIENT",
              ref: row.credentialsKind === "ENV_REF" ? row.credentialsRef : null,
              accessKeyIdHint: row.credentialsKind === "KEYS" ? keyHint(row.secretCiphertext, secrets) : null,
            },
          }
        : null,
    ingestions: row._count.ingestions,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
