// The new-connection form's values and how they become the API's input: one place that knows
// which fields a LOCAL or an S3 connection shows, and at which input path each field's errors
// arrive, so the client's and the server's errors land beside the same fields.
import type { CredentialsKind, SourceType } from "@/generated/prisma/enums";
import type { CreateConnectionDraft } from "@/shared/contracts/connections";

export type ConnectionType = SourceType;
export type { CredentialsKind };

export const CREDENTIALS_LABELS: Record<CredentialsKind, string> = {
  KEYS: "Access keys (stored encrypted)",
  AMBIENT: "The server's AWS credentials",
  ENV_REF: "A reference to keys in the server's environment",
  NONE: "None (a public bucket)",
};

/** Short names for the list's Credentials column. */
export const CREDENTIALS_SHORT: Record<CredentialsKind, string> = {
  KEYS: "keys",
  AMBIENT: "server's AWS credentials",
  ENV_REF: "environment reference",
  NONE: "none",
};

export interface ConnectionFormValues {
  name: string;
  description: string;
  type: ConnectionType;
  /** LOCAL: an absolute directory under a root the operator granted. */
  localPath: string;
  bucket: string;
  prefix: string;
  region: string;
  endpoint: string;
  forcePathStyle: boolean;
  credentialsKind: CredentialsKind;
  /** KEYS only; write-only: never read back from the server. */
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** ENV_REF only. */
  credentialsRef: string;
}

export const INITIAL_CONNECTION_FORM: ConnectionFormValues = {
  name: "",
  description: "",
  type: "LOCAL",
  localPath: "",
  bucket: "",
  prefix: "",
  region: "",
  endpoint: "",
  forcePathStyle: false,
  credentialsKind: "KEYS",
  accessKeyId: "",
  secretAccessKey: "",
  sessionToken: "",
  credentialsRef: "",
};

/** The input path of each form value, as the server's fieldErrors name them. */
export const CONNECTION_FIELD_PATHS: Record<keyof ConnectionFormValues, string> = {
  name: "name",
  description: "description",
  type: "location.type",
  localPath: "location.path",
  bucket: "location.bucket",
  prefix: "location.prefix",
  region: "location.region",
  endpoint: "location.endpoint",
  forcePathStyle: "location.forcePathStyle",
  // Refusals of the credentials as a whole (not granted, no secrets key) arrive here too.
  credentialsKind: "location.credentials",
  accessKeyId: "location.credentials.accessKeyId",
  secretAccessKey: "location.credentials.secretAccessKey",
  sessionToken: "location.credentials.sessionToken",
  credentialsRef: "location.credentials.ref",
};

const orNull = (v: string) => (v.trim() === "" ? null : v);

function credentialsOf(v: ConnectionFormValues) {
  switch (v.credentialsKind) {
    case "KEYS":
      return {
        kind: "KEYS" as const,
        accessKeyId: v.accessKeyId,
        secretAccessKey: v.secretAccessKey,
        sessionToken: orNull(v.sessionToken),
      };
    case "ENV_REF":
      return { kind: "ENV_REF" as const, ref: v.credentialsRef };
    case "AMBIENT":
      return { kind: "AMBIENT" as const };
    case "NONE":
      return { kind: "NONE" as const };
  }
}

/** The connections.create input the values make; only the chosen type's fields are sent. */
export function toCreateConnectionDraft(v: ConnectionFormValues): CreateConnectionDraft {
  return {
    name: v.name,
    description: orNull(v.description),
    location:
      v.type === "LOCAL"
        ? { type: "LOCAL", path: v.localPath }
        : {
            type: "S3",
            bucket: v.bucket,
            prefix: orNull(v.prefix),
            region: orNull(v.region),
            endpoint: orNull(v.endpoint),
            forcePathStyle: v.forcePathStyle,
            credentials: credentialsOf(v),
          },
  };
}

/** The input paths of the fields shown for these values; errors elsewhere are form-level. */
export function visibleConnectionPaths(v: ConnectionFormValues): string[] {
  const p = CONNECTION_FIELD_PATHS;
  if (v.type === "LOCAL") return [p.name, p.description, p.type, p.localPath];
  return [
    p.name,
    p.description,
    p.type,
    p.bucket,
    p.prefix,
    p.region,
    p.endpoint,
    p.forcePathStyle,
    p.credentialsKind,
    ...(v.credentialsKind === "KEYS" ? [p.accessKeyId, p.secretAccessKey, p.sessionToken] : []),
    ...(v.credentialsKind === "ENV_REF" ? [p.credentialsRef] : []),
  ];
}

/** Where a path inside a connection points, as the create-ingestion form's hint shows it. */
export function locationOf(connectionUri: string, path: string): string {
  const inside = path
    .trim()
    .split("/")
    .filter((s) => s !== "" && s !== ".")
    .join("/");
  if (inside === "") return connectionUri;
  return connectionUri.endsWith("/") ? `${connectionUri}${inside}` : `${connectionUri}/${inside}`;
}
