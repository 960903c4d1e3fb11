/**
 * How a run spends the function's timeout. Probing stops at `probeBudgetMs` so alerts and the
 * summary still go out; if the run has not returned by `hardDeadlineMs` the handler answers with
 * what it has instead of letting FC kill it silently.
 */
export type RunBudget = {
  timeoutMs: number;
  marginMs: number;
  probeBudgetMs: number;
  hardDeadlineMs: number;
};

/** Margin: 15% of the timeout, at least 3 s (alert delivery, log flush), at most 30 s. */
export const runBudget = (timeoutSeconds: number, elapsedMs = 0): RunBudget => {
  const timeoutMs = Math.round(timeoutSeconds * 1000);
  const marginMs = Math.min(30_000, Math.max(3000, Math.round(timeoutMs * 0.15)));
  const remaining = Math.max(0, timeoutMs - elapsedMs);
  const probeBudgetMs = Math.max(0, remaining - marginMs);
  const hardDeadlineMs = Math.max(0, remaining - Math.max(1000, Math.round(marginMs / 3)));
  return { timeoutMs, marginMs, probeBudgetMs, hardDeadlineMs };
};
