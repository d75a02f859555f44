import { describe, expect, it } from "vitest";
import { defaultGrants, grantFor, GrantsError, parseGrants, s3GrantError } from "./grants";

describe("grants", () => {
  it("without a grants file: the default tenant gets the default root, AWS and ambient credentials; others nothing", () => {
    const g = defaultGrants(["/srv/files"], ["https://minio.internal:9000"]);
    expect(grantFor(g, "default")).toEqual({
      localRoots: ["/srv/files"],
      s3: { endpoints: ["aws", "https://minio.internal:9000"], allowPrivateAddresses: true, ambientCredentials: true, credentialRefs: [] },
    });
    expect(grantFor(g, "acme")).toEqual({
      localRoots: [],
      s3: { endpoints: ["aws"], allowPrivateAddresses: false, ambientCredentials: false, credentialRefs: [] },
    });
  });

  it("a tenant's own entry wins field by field over '*', which wins over nothing granted", () => {
    const g = parseGrants(
      {
        tenants: {
          "*": { s3: { endpoints: ["aws", "https://MinIO.example.com:9000/"] } },
          acme: { localRoots: ["/data/acme/"], s3: { credentialRefs: ["ACME"] } },
        },
      },
      "grants file /etc/grants.json",
    );
    expect(grantFor(g, "acme")).toEqual({
      localRoots: ["/data/acme"],
      s3: { endpoints: ["aws", "https://minio.example.com:9000"], allowPrivateAddresses: false, ambientCredentials: false, credentialRefs: ["ACME"] },
    });
    expect(grantFor(g, "beta").localRoots).toEqual([]);
  });

  it("refuses a bad grants file naming the file and each bad field", () => {
    const bad = () =>
      parseGrants(
        { tenants: { Acme: {}, beta: { localRoots: ["relative"], s3: { endpoints: ["ftp://x"], credentialRefs: ["lower"], extra: 1 } } } },
        "grants file /etc/grants.json",
      );
    expect(bad).toThrow(GrantsError);
    expect(bad).toThrow(
      [
        "Invalid grants file /etc/grants.json:",
        '  tenants.Acme: must be a tenant slug (lowercase letters, digits, hyphens) or "*"',
        '  tenants.beta.localRoots.0: "relative" is not an absolute path',
        '  tenants.beta.s3.endpoints.0: "ftp://x" is not "aws" or an http(s) origin such as https://minio.example.com:9000',
        "  tenants.beta.s3.credentialRefs.0: must be an upper-case name such as ACME (AUTOLOADER_S3_ACME_ACCESS_KEY_ID…)",
        '  tenants.beta.s3: Unrecognized key: "extra"',
      ].join("\n"),
    );
  });

  it("s3GrantError: endpoints, ambient credentials only on AWS and only when granted, granted references only", () => {
    const grant = grantFor(defaultGrants([]), "default");
    const check = (endpoint: string | null, kind: "KEYS" | "AMBIENT" | "ENV_REF" | "NONE", ref: string | null = null) =>
      s3GrantError(grant, { endpoint, credentialsKind: kind, credentialsRef: ref })?.message ?? null;
    expect(check(null, "AMBIENT")).toBeNull();
    expect(check(null, "KEYS")).toBeNull();
    expect(check("http://169.254.169.254", "KEYS")).toBe(
      "Endpoint http://169.254.169.254 is not granted to this tenant (allowed: aws); ask the operator to add it to its s3.endpoints grant",
    );
    expect(check(null, "ENV_REF", "ACME")).toBe("Credentials reference ACME is not granted to this tenant; give the connection its own keys");
    const withMinio = { ...grant, s3: { ...grant.s3, endpoints: ["aws", "https://minio.example.com"] } };
    expect(s3GrantError(withMinio, { endpoint: "https://minio.example.com", credentialsKind: "AMBIENT", credentialsRef: null })?.message).toBe(
      "The server's own AWS credentials are only used with AWS S3, never with a custom endpoint; give the connection its own keys",
    );
  });
});
