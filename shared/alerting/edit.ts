import type { StateStore } from '../state/store.ts';
import { MseWatchError } from '../util/errors.ts';
import type { AlertState } from './model.ts';

/**
 * A change to the alert state from outside a run (`mse-watch ack`, `silence add|remove`), under the same lock a
 * run holds while it reads, decides, sends and writes: a run in progress is waited for (up to `waitMs`), so the
 * change is neither lost to its save nor judged half-made. The change is pure; nothing is saved if it throws.
 */
export const editAlertState = async <R>(
  store: StateStore<AlertState>,
  change: (state: AlertState) => { state: AlertState; result: R },
  options: { waitMs?: number; signal?: AbortSignal } = {},
): Promise<{ result: R; notes: string[] }> => {
  const lock = await store.lock(options);
  if (!lock) {
    throw new MseWatchError(
      'state-locked',
      `another run holds the lock on ${store.location}${options.waitMs === undefined ? '' : ` (waited ${Math.round(options.waitMs / 1000)} s)`}; nothing was changed: try again when it is done`,
      { exitCode: 1 },
    );
  }
  try {
    const loaded = await store.load();
    const { state, result } = change(loaded.state);
    await store.save(state);
    return { result, notes: [lock.note, loaded.note].filter((note): note is string => note !== undefined) };
  } finally {
    await lock.release();
  }
};
