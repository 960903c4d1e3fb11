import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { STATE_FILE } from '../alerting/process.ts';
import { HISTORY_FILE } from '../history/index.ts';
import { loadStatusSnapshot, type StatusSnapshot } from '../metrics/status-routes.ts';
import type { StateConfig } from '../state/config.ts';
import { defaultStateDir } from '../state/file-store.ts';

/**
 * The state files as the pages see them, read again only when one of them changed (its size or modification
 * time): a scrape every 15 s must not parse a month of history each time. Another writer (a `check` with the
 * same state.dir) is noticed the same way.
 */
export const cachedSnapshot = (state: StateConfig | undefined): (() => Promise<StatusSnapshot>) => {
  const dir = state?.dir ?? defaultStateDir();
  const files = [join(dir, HISTORY_FILE), join(dir, STATE_FILE)];
  let cached: { key: string; snapshot: StatusSnapshot } | undefined;
  let loading: Promise<StatusSnapshot> | undefined;
  const fingerprint = async (): Promise<string> =>
    (
      await Promise.all(
        files.map((file) =>
          stat(file).then(
            (info) => `${info.size}:${info.mtimeMs}:${info.ino}`,
            () => 'absent',
          ),
        ),
      )
    ).join('|');
  return async () => {
    const key = await fingerprint();
    if (cached?.key === key) return cached.snapshot;
    // concurrent requests while it loads share one read
    loading ??= loadStatusSnapshot(state).finally(() => {
      loading = undefined;
    });
    const snapshot = await loading;
    cached = { key, snapshot };
    return snapshot;
  };
};
