"use client";
// Creates an API key and shows its secret exactly once.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { CheckboxField, FormErrors, TextField } from "@/components/forms/form-field";
import { useTRPC } from "@/trpc/react";

export function CreateApiKeyForm({ isAdmin }: { isAdmin: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [admin, setAdmin] = useState(false);
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const create = useMutation(
    trpc.keys.create.mutationOptions({
      onSuccess: async (result) => {
        setCreated({ name: result.apiKey.name, key: result.key });
        setName("");
        setAdmin(false);
        await queryClient.invalidateQueries(trpc.keys.list.pathFilter());
      },
    }),
  );

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setCreated(null);
    create.mutate({ name, isAdmin: admin });
  }

  const fieldErrors = create.error?.data?.fieldErrors ?? null;
  const nameErrors = fieldErrors?.["name"];
  const refused = create.error?.data?.code === "FORBIDDEN" ? create.error : null;
  // Any other failure that is not about the name is about the whole form.
  const formErrors = create.error && !nameErrors && !refused ? [create.error.message] : [];

  return (
    <section className="card" aria-labelledby="create-key-title">
      <h2 id="create-key-title">Create key</h2>
      {isAdmin && !refused ? null : (
        // The server's FORBIDDEN message, shown up front to non-admins rather than after a try.
        <div className="notice notice-warning" role="alert">
          <p>{refused?.message ?? "This needs an admin API key"}</p>
          <p className="hint">
            You are signed in with a key that is not an admin key: you can see the keys, but only an admin key can create
            or revoke them.
          </p>
        </div>
      )}
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
        <CheckboxField path="isAdmin" errors={undefined} value={admin} onChange={setAdmin} label="Admin" />
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
