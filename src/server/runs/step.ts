// The one seam between the run pipeline and what executes it: Inngest's durable `step.run`, or
// the direct executor's in-process version. Step results must be small JSON (ids and counts).

export interface Step {
  run<T>(id: string, fn: () => Promise<T>): Promise<T>;
}
