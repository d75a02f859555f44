"use client";
// Polling while runs are active, and a hook that notices when they end.
import { useEffect, useRef } from "react";

/** How often a page re-reads runs that are queued or running. */
export const RUN_POLL_MS = 1500;

export function runPollInterval(active: boolean): number | false {
  return active ? RUN_POLL_MS : false;
}

/** Calls `onSettled` once each time `active` goes from true to false (a run just ended). */
export function useOnRunsSettled(active: boolean, onSettled: () => void): void {
  const wasActive = useRef(active);
  const callback = useRef(onSettled);
  useEffect(() => {
    callback.current = onSettled;
  });
  useEffect(() => {
    if (wasActive.current && !active) callback.current();
    wasActive.current = active;
  }, [active]);
}
