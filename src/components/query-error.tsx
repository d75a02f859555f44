// The message of a failed query, with a way back in when the session has ended.
import Link from "next/link";

interface ErrorLike {
  message: string;
  data?: { code?: string } | null;
}

export function QueryError({ error, what }: { error: ErrorLike; what: string }) {
  const signedOut = error.data?.code === "UNAUTHORIZED";
  return (
    <div className="notice notice-error" role="alert">
      <p>
        Could not load {what}: {error.message}
      </p>
      {signedOut ? (
        <p>
          <Link href="/sign-in">Sign in again</Link>
        </p>
      ) : null}
    </div>
  );
}
