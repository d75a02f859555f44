"use client";
// Creates an API key with a role and an optional expiry, and shows its secret exactly once. Admins only.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { FormErrors, SelectField, TextField } from "@/components/forms/form-field";
import { useTRPC } from "@/trpc/react";

type KeyRole = "VIEWER" | "EDITOR" | "ADMIN";

/** A `datetime-local` value (the browser's zone) as a Date, or null when empty or invalid. */
function expiryOf(value: string): Date | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

export function CreateApiKeyForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [role, setRole] = useState<KeyRole>("EDITOR");
  const [expires, setExpires] = useState("");
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const create = useMutation(
    trpc.keys.create.mutationOptions({
      onSuccess: async (result) => {
        setCreated({ name: result.apiKey.name, key: result.key });
        setName("");
        setRole("EDITOR");
        setExpires("");
        await queryClient.invalidateQueries(trpc.keys.list.pathFilter());
      },
    }),
  );

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setCreated(null);
    create.mutate({ name, role, expiresAt: expiryOf(expires) });
  }

  const fieldErrors = create.error?.data?.fieldErrors ?? null;
  const nameErrors = fieldErrors?.["name"];
  const expiryErrors = fieldErrors?.["expiresAt"];
  // Any other failure that is not about a field is about the whole form (a FORBIDDEN included).
  const formErrors = create.error && !nameErrors && !expiryErrors ? [create.error.message] : [];

  return (
    <section className="card" aria-labelledby="create-key-title">
      <h2 id="create-key-title">Create key</h2>
      {created ? <NewKeyBox name={created.name} secret={created.key} onDone={() => setCreated(null)} /> : null}
      <form className="inline-form" onSubmit={submit} noValidate aria-label="Create key">
        <TextField
          path="name"
          errors={nameErrors}
          value={name}
          onChange={setName}
          label="Key name"
          maxLength={100}
          placeholder="e.g. reporting-service"
        />
        <SelectField<KeyRole> path="role" errors={fieldErrors?.["role"]} value={role} onChange={setRole} label="Role">
          <option value="VIEWER">Viewer — reads only</option>
          <option value="EDITOR">Editor — also ingestions, runs, files</option>
          <option value="ADMIN">Admin — also keys, connections, audit log</option>
        </SelectField>
        <TextField
          path="expiresAt"
          errors={expiryErrors}
          value={expires}
          onChange={setExpires}
          label="Expires (optional)"
          type="datetime-local"
        />
        <button type="submit" className="button button-primary" disabled={create.isPending}>
          Create key
        </button>
      </form>
      <FormErrors messages={formErrors} />
    </section>
  );
}

function NewKeyBox({ name, secret, onDone }: { name: string; secret: string; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="secret-box" role="status">
      <p>
        <strong>Key &lsquo;{name}&rsquo; created.</strong> Copy this key now; it will not be shown again.
      </p>
      <p className="secret-row">
        <code data-testid="new-api-key">{secret}</code>
        <button
          type="button"
          className="button button-small"
          onClick={() => {
            void navigator.clipboard?.writeText(secret).then(() => setCopied(true));
          }}
        >
          {copied ? "Copied" : "Copy"}
        </button>
        <button type="button" className="button button-small button-quiet" onClick={onDone}>
          Done
        </button>
      </p>
    </div>
  );
}
