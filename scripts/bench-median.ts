// The benchmarks' summary of repeated measurements, written once for bench.ts and bench-discovery.ts.

/** The measurement with the median time (its own figures go with it), with the highest peak RSS seen: a bound, not a median. */
export function median<M extends { seconds: number; peakRssMb: number }>(ms: M[]): M {
  const sorted = [...ms].sort((a, b) => a.seconds - b.seconds);
  const m = sorted[Math.floor((sorted.length - 1) / 2)];
  if (!m) throw new Error("no measurement");
  return { ...m, peakRssMb: Math.max(...ms.map((x) => x.peakRssMb)) };
}
