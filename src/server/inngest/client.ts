// The Inngest client. Its `send` is bounded in time: the SDK alone retries a refused connection
// for about 1.75 s and has no timeout, and a trigger must answer promptly (then fall back).
import { Inngest } from "inngest";

export interface InngestSettings {
  /** Cloud event key; with `dev` unset, this is what makes Inngest "configured". */
  eventKey: string | undefined;
  signingKey: string | undefined;
  /** Inngest dev server mode (`INNGEST_DEV`), e.g. `npx inngest-cli dev` on a machine with internet. */
  dev: boolean;
  /** Where Inngest's API lives (`INNGEST_BASE_URL`), e.g. http://127.0.0.1:8288 for the dev server. */
  baseUrl: string | undefined;
  sendTimeoutMs: number;
}

export function inngestConfigured(s: InngestSettings): boolean {
  return s.dev || s.eventKey !== undefined;
}

/** A fetch that gives up after `ms`, whatever the caller's own signal says. */
export function boundedFetch(ms: number, inner: typeof fetch = fetch): typeof fetch {
  return (input, init) => {
    const timeout = AbortSignal.timeout(ms);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    return inner(input, { ...init, signal });
  };
}

export function createInngestClient(s: InngestSettings, fetchImpl: typeof fetch = fetch): Inngest {
  return new Inngest({
    id: "autoloader",
    ...(s.eventKey ? { eventKey: s.eventKey } : {}),
    // Verifies that calls to /api/inngest come from Inngest (cloud mode needs it to serve).
    ...(s.signingKey ? { signingKey: s.signingKey } : {}),
    ...(s.baseUrl ? { baseUrl: s.baseUrl } : {}),
    isDev: s.dev,
    fetch: boundedFetch(s.sendTimeoutMs, fetchImpl),
  });
}
