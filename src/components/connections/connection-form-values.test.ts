import { describe, expect, it } from "vitest";
import { fieldErrorsFromZod, placeFieldErrors } from "@/components/forms/field-errors";
import { createConnectionInput } from "@/shared/contracts/connections";
import {
  INITIAL_CONNECTION_FORM,
  locationOf,
  toCreateConnectionDraft,
  visibleConnectionPaths,
  type ConnectionFormValues,
} from "./connection-form-values";

const s3: ConnectionFormValues = {
  ...INITIAL_CONNECTION_FORM,
  name: "lake",
  type: "S3",
  bucket: "acme-landing",
  prefix: "raw/",
  endpoint: "https://s3.example.com/",
  forcePathStyle: true,
  accessKeyId: "AKIAEXAMPLE1234",
  secretAccessKey: "secret",
  // Typed into a field the KEYS kind hides: never sent.
  credentialsRef: "ANALYTICS",
};

describe("the new-connection form's input", () => {
  it("sends a local directory with only the local fields", () => {
    const draft = toCreateConnectionDraft({ ...s3, type: "LOCAL", localPath: "/data/landing/" });
    expect(draft).toEqual({ name: "lake", description: null, location: { type: "LOCAL", path: "/data/landing/" } });
    expect(createConnectionInput.parse(draft).location).toEqual({ type: "LOCAL", path: "/data/landing" });
  });

  it("sends an S3 location with the chosen kind of credentials only", () => {
    const parsed = createConnectionInput.parse(toCreateConnectionDraft(s3));
    expect(parsed.location).toEqual({
      type: "S3",
      bucket: "acme-landing",
      prefix: "raw",
      region: null,
      endpoint: "https://s3.example.com",
      forcePathStyle: true,
      credentials: { kind: "KEYS", accessKeyId: "AKIAEXAMPLE1234", secretAccessKey: "secret", sessionToken: null },
    });
    expect(createConnectionInput.parse(toCreateConnectionDraft({ ...s3, credentialsKind: "ENV_REF" })).location).toMatchObject({
      credentials: { kind: "ENV_REF", ref: "ANALYTICS" },
    });
    expect(toCreateConnectionDraft({ ...s3, credentialsKind: "NONE" }).location).toMatchObject({ credentials: { kind: "NONE" } });
  });

  it("puts each validation error beside the field that shows it", () => {
    const result = createConnectionInput.safeParse(toCreateConnectionDraft({ ...s3, name: "Bad Name", bucket: "", secretAccessKey: "" }));
    const { byField, formLevel } = placeFieldErrors(fieldErrorsFromZod(result.error!), visibleConnectionPaths(s3));
    expect(Object.keys(byField).sort()).toEqual(["location.bucket", "location.credentials.secretAccessKey", "name"]);
    expect(byField["location.credentials.secretAccessKey"]).toEqual(["Secret access key is required"]);
    expect(formLevel).toEqual([]);
    // A refusal of the credentials as a whole (not granted) shows beside the Credentials select.
    expect(placeFieldErrors({ "location.credentials": ["not granted"] }, visibleConnectionPaths(s3)).byField).toEqual({
      "location.credentials": ["not granted"],
    });
  });

  it("shows only the fields of the chosen type and credentials", () => {
    expect(visibleConnectionPaths(INITIAL_CONNECTION_FORM)).toEqual(["name", "description", "location.type", "location.path"]);
    expect(visibleConnectionPaths({ ...s3, credentialsKind: "ENV_REF" })).toContain("location.credentials.ref");
    expect(visibleConnectionPaths({ ...s3, credentialsKind: "AMBIENT" })).not.toContain("location.credentials.accessKeyId");
  });
});

describe("the create-ingestion form's location hint", () => {
  it("joins a connection's location and a path inside it", () => {
    expect(locationOf("/srv/files", "")).toBe("/srv/files");
    expect(locationOf("/srv/files", "landing/./orders/")).toBe("/srv/files/landing/orders");
    expect(locationOf("s3://acme/", "orders")).toBe("s3://acme/orders");
    expect(locationOf("s3://acme/raw", "orders")).toBe("s3://acme/raw/orders");
  });
});
