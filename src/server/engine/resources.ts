// How much of the machine DuckDB may use: a memory limit and a thread count, sized from the
// machine (or its container's memory limit) unless the operator sets them.
import os from "node:os";

export interface EngineResources {
  /** DuckDB's memory_limit, e.g. "12GiB"; beyond it DuckDB spills to disk where it can. */
  memoryLimit: string;
  threads: number;
}

/** The memory this process may use: the machine's, or less under a container's limit. */
export function availableMemory(): number {
  const total = os.totalmem();
  const constrained = typeof process.constrainedMemory === "function" ? process.constrainedMemory() : 0;
  // A huge constrained value means "no limit" (cgroup max).
  return constrained && constrained > 0 && constrained < total ? constrained : total;
}

/**
 * Half the available memory (the rest stays for Node, the embedded database and other tenants'
 * warehouses, each of which has this limit too) and every core.
 */
export function defaultEngineResources(): EngineResources {
  const mib = Math.max(256, Math.floor(availableMemory() / 2 / 1024 / 1024));
  return { memoryLimit: `${mib}MiB`, threads: Math.max(1, os.availableParallelism()) };
}
