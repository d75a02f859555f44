"use client";
// Creates a storage connection (admins only): a local directory, or an S3 location with its
// credentials. It validates with the API's own schema first; the server's refusals (not granted,
// a name in use, a refused endpoint) show beside the field they are about. Keys are write-only:
// the form forgets them once the connection is created.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { fieldErrorsFromZod, placeFieldErrors, type FieldErrors } from "@/components/forms/field-errors";
import { CheckboxField, FormErrors, FormField, SelectField, TextField, type BoundField } from "@/components/forms/form-field";
import { createConnectionInput } from "@/shared/contracts/connections";
import { useTRPC } from "@/trpc/react";
import {
  CONNECTION_FIELD_PATHS,
  CREDENTIALS_LABELS,
  INITIAL_CONNECTION_FORM,
  toCreateConnectionDraft,
  visibleConnectionPaths,
  type ConnectionFormValues,
  type ConnectionType,
  type CredentialsKind,
} from "./connection-form-values";

export function CreateConnectionForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [values, setValues] = useState<ConnectionFormValues>(INITIAL_CONNECTION_FORM);
  const [clientErrors, setClientErrors] = useState<FieldErrors>({});
  /** Fields changed since the last attempt: their old errors no longer apply. */
  const [edited, setEdited] = useState<ReadonlySet<string>>(new Set());
  const [created, setCreated] = useState<string | null>(null);
  const create = useMutation(
    trpc.connections.create.mutationOptions({
      onSuccess: async (connection) => {
        setCreated(connection.name);
        setValues(INITIAL_CONNECTION_FORM);
        await queryClient.invalidateQueries(trpc.connections.list.pathFilter());
      },
    }),
  );

  const serverErrors: FieldErrors = create.error
    ? (create.error.data?.fieldErrors ?? { _form: [create.error.message] })
    : {};
  const { byField: attemptErrors, formLevel } = placeFieldErrors(
    Object.keys(clientErrors).length > 0 ? clientErrors : serverErrors,
    visibleConnectionPaths(values),
  );
  const byField = Object.fromEntries(Object.entries(attemptErrors).filter(([path]) => !edited.has(path)));

  function set<K extends keyof ConnectionFormValues>(key: K, value: ConnectionFormValues[K]) {
    setValues((v) => ({ ...v, [key]: value }));
    const path = CONNECTION_FIELD_PATHS[key];
    setEdited((paths) => (paths.has(path) ? paths : new Set(paths).add(path)));
  }

  function bind<K extends keyof ConnectionFormValues>(key: K): BoundField<ConnectionFormValues[K]> {
    const path = CONNECTION_FIELD_PATHS[key];
    return { path, errors: byField[path], value: values[key], onChange: (value) => set(key, value) };
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setCreated(null);
    setEdited(new Set());
    const draft = toCreateConnectionDraft(values);
    const parsed = createConnectionInput.safeParse(draft);
    if (!parsed.success) {
      create.reset();
      setClientErrors(fieldErrorsFromZod(parsed.error));
      return;
    }
    setClientErrors({});
    create.mutate(draft);
  }

  return (
    <section className="card" aria-labelledby="create-connection-title">
      <h2 id="create-connection-title">New connection</h2>
      {created ? (
        <p className="notice notice-info" role="status">
          Connection &lsquo;{created}&rsquo; created. Ingestions of this tenant can now read through it.
        </p>
      ) : null}
      <form className="form" onSubmit={submit} noValidate aria-label="New connection">
        <FormErrors messages={formLevel} />
        <div className="grid-2">
          <TextField
            {...bind("name")}
            label="Connection name"
            hint="Lowercase letters, digits, '.', '_' and '-'; ingestions name it."
            maxLength={63}
            spellCheck={false}
            placeholder="landing"
          />
          <SelectField<ConnectionType> {...bind("type")} label="Type">
            <option value="LOCAL">Local directory</option>
            <option value="S3">S3 or S3-compatible</option>
          </SelectField>
        </div>
        <FormField path="description" label="Description" hint="Optional." errors={byField["description"]}>
          {(p) => (
            <textarea {...p} rows={2} value={values.description} maxLength={500} onChange={(e) => set("description", e.target.value)} />
          )}
        </FormField>
        {values.type === "LOCAL" ? (
          <TextField
            {...bind("localPath")}
            label="Directory"
            hint="An absolute path under a root the server's operator granted to this tenant."
            spellCheck={false}
            placeholder="/data/landing"
          />
        ) : (
          <S3Fields values={values} bind={bind} />
        )}
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={create.isPending}>
            Create connection
          </button>
          {create.isPending ? <span className="muted">Creating…</span> : null}
        </div>
      </form>
    </section>
  );
}

function S3Fields({
  values,
  bind,
}: {
  values: ConnectionFormValues;
  bind: <K extends keyof ConnectionFormValues>(key: K) => BoundField<ConnectionFormValues[K]>;
}) {
  return (
    <div className="subgroup">
      <p className="subgroup-title">S3 location</p>
      <div className="grid-2">
        <TextField {...bind("bucket")} label="Bucket" spellCheck={false} placeholder="my-bucket" />
        <TextField
          {...bind("prefix")}
          label="Prefix"
          hint="Optional. Ingestions read under it, e.g. landing/."
          spellCheck={false}
        />
        <TextField {...bind("region")} label="Region" hint="Optional, e.g. us-east-1." spellCheck={false} />
        <TextField
          {...bind("endpoint")}
          label="Endpoint"
          hint="Optional, for S3-compatible stores; only endpoints the operator granted."
          type="url"
          spellCheck={false}
          placeholder="https://s3.example.com"
        />
      </div>
      <CheckboxField {...bind("forcePathStyle")} label="Force path style" hint="Most S3-compatible stores need it." />
      <SelectField<CredentialsKind> {...bind("credentialsKind")} label="Credentials">
        {(Object.keys(CREDENTIALS_LABELS) as CredentialsKind[]).map((kind) => (
          <option key={kind} value={kind}>
            {CREDENTIALS_LABELS[kind]}
          </option>
        ))}
      </SelectField>
      {values.credentialsKind === "KEYS" ? (
        <div className="grid-2">
          <TextField {...bind("accessKeyId")} label="Access key id" autoComplete="off" spellCheck={false} />
          <TextField
            {...bind("secretAccessKey")}
            label="Secret access key"
            hint="Stored encrypted; never shown again."
            type="password"
            autoComplete="new-password"
            spellCheck={false}
          />
          <TextField
            {...bind("sessionToken")}
            label="Session token"
            hint="Optional."
            type="password"
            autoComplete="new-password"
            spellCheck={false}
          />
        </div>
      ) : null}
      {values.credentialsKind === "ENV_REF" ? (
        <TextField
          {...bind("credentialsRef")}
          label="Credentials reference"
          hint={
            <>
              A name such as <code>ANALYTICS</code> the operator granted: the server reads{" "}
              <code>AUTOLOADER_S3_ANALYTICS_ACCESS_KEY_ID</code> and <code>…_SECRET_ACCESS_KEY</code>.
            </>
          }
          spellCheck={false}
        />
      ) : null}
      {values.credentialsKind === "AMBIENT" ? (
        <p className="hint">Only with AWS S3 (no custom endpoint), and only when the operator granted it to this tenant.</p>
      ) : null}
    </div>
  );
}
