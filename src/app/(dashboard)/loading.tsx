export default function Loading() {
  return (
    <p className="muted" aria-busy="true">
      Loading…
    </p>
  );
}
