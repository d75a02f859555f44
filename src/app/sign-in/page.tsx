import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignInForm } from "@/components/auth/sign-in-form";
import { createServerContext } from "@/trpc/server";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage() {
  const { auth, authError } = await createServerContext();
  if (auth) redirect("/ingestions");
  return (
    <main className="sign-in">
      <div className="card sign-in-card">
        <p className="brand">Autoloader</p>
        <h1>Sign in to Autoloader</h1>
        {authError ? <p className="notice notice-info">{authError}</p> : null}
        <SignInForm />
        <p className="hint sign-in-help">
          New here? The server&apos;s first admin API key was printed at first start and saved in{" "}
          <code>&lt;data dir&gt;/admin-key</code> (the data directory is <code>.data</code> unless{" "}
          <code>AUTOLOADER_DATA_DIR</code> names another). Admins can create more keys on the API keys page.
        </p>
      </div>
    </main>
  );
}
