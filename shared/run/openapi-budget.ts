import { MseWatchError } from '../util/errors.ts';

/** What a run hands its parts: the time it may take (from the run's start) and its interrupt. */
export type PartBudget = { budgetMs?: number; signal?: AbortSignal };

/**
 * The OpenAPI client's own limits inside a run's budget: one call (throttling retries included) never outlives
 * the run, so a hung control plane costs the run its answer from the cloud side, not its probes.
 */
export const openApiLimits = (budgetMs: number | undefined) => {
  const within = (ms: number) => Math.max(1, Math.min(ms, budgetMs ?? ms));
  return { deadlineMs: within(60_000), readTimeoutMs: within(20_000), connectTimeoutMs: within(5000) };
};

/**
 * `work`, or a MseWatchError when the budget runs out or the run is interrupted first. The work is left to end on
 * its own (the client's timeouts above bound it); its late answer or failure is dropped.
 */
export const withinBudget = async <T>(work: Promise<T>, budget: PartBudget, what: string): Promise<T> => {
  if (budget.budgetMs === undefined && !budget.signal) return work;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const cut = new Promise<never>((_, reject) => {
    if (budget.budgetMs !== undefined)
      timer = setTimeout(
        () =>
          reject(
            new MseWatchError(
              'budget',
              `${what} did not finish within the run's time budget (${budget.budgetMs} ms)`,
            ),
          ),
        budget.budgetMs,
      );
    if (budget.signal) {
      onAbort = () =>
        reject(new MseWatchError('interrupted', `${what} was cut short (time budget or interrupt)`));
      if (budget.signal.aborted) onAbort();
      else budget.signal.addEventListener('abort', onAbort, { once: true });
    }
  });
  work.catch(() => undefined);
  try {
    return await Promise.race([work, cut]);
  } finally {
    clearTimeout(timer);
    if (onAbort) budget.signal?.removeEventListener('abort', onAbort);
  }
};
