import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { z } from 'zod';
import type { LoadResult, StateLock, StateStore } from './store.ts';

/** The CLI's default when the config names no state.dir (Function Compute should point it at a NAS mount). */
export const defaultStateDir = (home: string = homedir()): string =>
  join(home, '.local', 'state', 'mse-watch');

export type FileStoreOptions<T> = {
  dir: string;
  file: string;
  schema: z.ZodType<T>;
  fresh: () => T;
  lockWaitMs?: number;
  lockStaleAfterMs?: number;
  /** Real time: lock ages are about real processes, whatever clock the evaluation runs on. */
  clock?: () => number;
  pollMs?: number;
};

const errorCode = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | undefined)?.code;

/**
 * JSON state in one file. Writes go to a temporary file that is renamed over the old one, so a crash
 * leaves either the old or the new state, never half of one. A lock file created with O_EXCL keeps two
 * overlapping runs (a slow run and the next timer tick) from both sending.
 */
export const createFileStore = <T>(options: FileStoreOptions<T>): StateStore<T> => {
  const path = join(options.dir, options.file);
  const lockPath = `${path}.lock`;
  const clock = options.clock ?? Date.now;
  const waitMs = options.lockWaitMs ?? 10_000;
  const staleMs = options.lockStaleAfterMs ?? 300_000;
  const pollMs = options.pollMs ?? 50;

  const load = async (loadOptions: { readOnly?: boolean } = {}): Promise<LoadResult<T>> => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') {
        return { state: options.fresh(), note: `no state file at ${path} yet; started fresh` };
      }
      throw error;
    }
    let problem: string;
    try {
      const parsed = options.schema.safeParse(JSON.parse(text));
      if (parsed.success) return { state: parsed.data };
      problem = `unexpected content at ${parsed.error.issues[0]?.path.join('.') || '(root)'}`;
    } catch (error) {
      problem = `not JSON (${(error as Error).message})`;
    }
    if (loadOptions.readOnly)
      return { state: options.fresh(), note: `state file ${path} is corrupt: ${problem}` };
    // Keep the bad file for a post-mortem; the fresh state replaces it on the next save, so this is said once.
    const kept = `${path}.corrupt-${clock()}`;
    await rename(path, kept).catch(() => undefined);
    return {
      state: options.fresh(),
      note: `state file ${path} was corrupt: ${problem}; started fresh (the bad file is kept as ${kept})`,
    };
  };

  const save = async (state: T): Promise<void> => {
    await mkdir(options.dir, { recursive: true });
    const temporary = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    const handle = await open(temporary, 'w', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(state, null, 1)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  };

  const tryCreateLock = async (token: string): Promise<boolean> => {
    try {
      const handle = await open(lockPath, 'wx', 0o600);
      try {
        await handle.writeFile(JSON.stringify({ token, pid: process.pid, host: hostname(), at: clock() }));
      } finally {
        await handle.close();
      }
      return true;
    } catch (error) {
      if (errorCode(error) === 'EEXIST') return false;
      throw error;
    }
  };

  /** A lock left by a run that died is moved aside; rename is atomic, so only one waiting run takes it over. */
  const breakIfStale = async (): Promise<void> => {
    try {
      const info = await stat(lockPath);
      if (clock() - info.mtimeMs < staleMs) return;
      const aside = `${lockPath}.stale-${randomBytes(4).toString('hex')}`;
      await rename(lockPath, aside);
      await unlink(aside).catch(() => undefined);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error;
    }
  };

  const lock = async (): Promise<StateLock | undefined> => {
    await mkdir(options.dir, { recursive: true });
    const token = randomBytes(8).toString('hex');
    const deadline = clock() + waitMs;
    for (;;) {
      if (await tryCreateLock(token)) break;
      await breakIfStale();
      if (clock() >= deadline) return undefined;
      await sleep(pollMs);
    }
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        // Only our own lock: if it was taken over as stale meanwhile, the new holder's file stays.
        const content = await readFile(lockPath, 'utf8').catch(() => '');
        if (content.includes(token)) await unlink(lockPath).catch(() => undefined);
      },
    };
  };

  return { location: path, load, save, lock };
};
