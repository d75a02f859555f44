"use client";
// The time since a run started, ticking each second in the browser while it runs.
import { useSyncExternalStore } from "react";
import { formatDuration } from "@/shared/format";

let now = 0;
let timer: number | undefined;
const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (timer === undefined) {
    now = Date.now();
    timer = window.setInterval(() => {
      now = Date.now();
      for (const l of listeners) l();
    }, 1000);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== undefined) {
      window.clearInterval(timer);
      timer = undefined;
    }
  };
}

const getNow = () => now;
/** The server cannot know the viewer's clock: it renders no elapsed time. */
const getServerNow = () => 0;

export function Elapsed({ since }: { since: Date }) {
  const current = useSyncExternalStore(subscribe, getNow, getServerNow);
  if (current === 0) return <span className="muted">Running…</span>;
  return <span title="So far">{formatDuration(Math.max(0, current - since.getTime()))}</span>;
}
