"use client";
// Shown when a dashboard page fails to render; the layout (navigation) stays usable.
export default function DashboardError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div className="notice notice-error" role="alert">
      <p>Something went wrong: {error.message}</p>
      <p>
        <button type="button" className="button" onClick={reset}>
          Try again
        </button>
      </p>
    </div>
  );
}
