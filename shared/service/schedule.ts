// The service's schedule, pure: when the next run starts. Runs never overlap (the loop waits for one to end
// before it plans the next), and each start is moved by a random jitter so that many monitors started together
// (a fleet rollout, a node reboot) do not probe, write to NAS and ping their heartbeats in lockstep.

/** The jitter's bound: a tenth of the interval, at most 30 s. */
export const jitterBound = (everyMs: number): number => Math.min(Math.round(everyMs / 10), 30_000);

/**
 * Milliseconds from the end of a run to the start of the next: the interval measured from the previous start,
 * plus a jitter in [-bound, +bound]. A run that took longer than the interval is followed by the next one after
 * a short pause (a tenth of the interval, at least 1 s), never at once, so a slow network does not turn the
 * schedule into a busy loop.
 */
export const nextDelay = (everyMs: number, elapsedMs: number, random: () => number): number => {
  const bound = jitterBound(everyMs);
  const jitter = Math.round((random() * 2 - 1) * bound);
  const pause = Math.max(1000, Math.round(everyMs / 10));
  return Math.max(pause, everyMs - elapsedMs + jitter);
};

/** How long a completed run counts as fresh for /healthz and the page: three intervals, at least 2 minutes. */
export const freshFor = (everyMs: number): number => Math.max(3 * everyMs, 120_000);
