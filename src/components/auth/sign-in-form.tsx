"use client";
// Exchanges an API key for a session cookie (set by /api/trpc), then opens the dashboard.
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTRPC } from "@/trpc/react";
import { useSessionChange } from "./use-session-change";

export function SignInForm() {
  const trpc = useTRPC();
  const changeSession = useSessionChange();
  const [apiKey, setApiKey] = useState("");
  const signIn = useMutation(trpc.auth.signIn.mutationOptions({ onSuccess: () => changeSession("/ingestions") }));

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    signIn.mutate({ apiKey });
  }

  const busy = signIn.isPending || signIn.isSuccess;
  return (
    <form className="stack" onSubmit={submit} noValidate>
      <div className="field">
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          name="apiKey"
          type="password"
          autoComplete="current-password"
          spellCheck={false}
          autoFocus
          value={apiKey}
          onChange={(e) => setApiKey(e.target.value)}
          aria-invalid={signIn.isError ? true : undefined}
        />
      </div>
      {signIn.error ? (
        <div className="notice notice-error" role="alert">
          <p>{signIn.error.message}</p>
        </div>
      ) : null}
      <button type="submit" className="button button-primary" disabled={busy}>
        {busy ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}
