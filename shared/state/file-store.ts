import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import type { z } from 'zod';
import { errorCode, realFs, type StoreFs } from './fs.ts';
import { acquireFileLock } from './lock.ts';
import type { Decode, LoadResult, StateStore } from './store.ts';

/** The CLI's default when the config names no state.dir (Function Compute should point it at a NAS mount). */
export const defaultStateDir = (home: string = homedir()): string =>
  join(home, '.local', 'state', 'mse-watch');

export type FileStoreOptions<T> = {
  dir: string;
  file: string;
  schema: z.ZodType<T>;
  fresh: () => T;
  /** Reads the parsed JSON forward-compatibly (salvaging what it can); by default the schema, all or nothing. */
  decode?: Decode<T>;
  lockWaitMs?: number;
  lockStaleAfterMs?: number;
  /** Wall time, for the names of kept files and the lock record; lock ages are judged on the file system's clock. */
  clock?: () => number;
  pollMs?: number;
  /** File operations (a test hands in a full disk). */
  fs?: Partial<StoreFs>;
  /**
   * Written without indentation: for large, machine-read files (the run history) where indentation alone
   * doubles what goes to disk (and to NAS) on every save. Small files people read (the alert state) stay indented.
   */
  compact?: boolean;
};

/** Temporary files of a writer that died are swept once they are this old. */
const SWEEP_AFTER_MS = 60_000;

/**
 * JSON state in one file. Writes go to a temporary file that is renamed over the old one, so a crash leaves
 * either the old or the new state, never half of one; the previous state stays beside it (`.prev`) so a file
 * damaged on disk can be restored from it. A failed write removes its temporary file. A lock file (lock.ts)
 * keeps two overlapping runs (a slow run and the next timer tick) from both sending.
 */
export const createFileStore = <T>(options: FileStoreOptions<T>): StateStore<T> => {
  const fs: StoreFs = { ...realFs, ...options.fs };
  const path = join(options.dir, options.file);
  const previous = `${path}.prev`;
  const clock = options.clock ?? Date.now;
  const decode: Decode<T> =
    options.decode ??
    ((raw) => {
      const parsed = options.schema.safeParse(raw);
      if (parsed.success) return { state: parsed.data, notes: [], lossy: false };
      const at = parsed.error.issues[0]?.path.join('.') || '(root)';
      return { state: options.fresh(), notes: [`unexpected content at ${at}; started fresh`], lossy: true };
    });

  const readJson = async (file: string): Promise<{ raw: unknown } | { problem: string } | undefined> => {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return undefined;
      throw error;
    }
    try {
      return { raw: JSON.parse(text) };
    } catch (error) {
      return { problem: `not JSON (${(error as Error).message.split('\n')[0]?.slice(0, 120)})` };
    }
  };

  /** Keeps a damaged file for a post-mortem: moved aside when it is replaced, copied when it is repaired in place. */
  const keep = async (how: 'move' | 'copy'): Promise<string | undefined> => {
    const kept = `${path}.corrupt-${clock()}`;
    try {
      if (how === 'move') await fs.rename(path, kept);
      else await fs.copyFile(path, kept);
      return kept;
    } catch {
      return undefined;
    }
  };

  const load = async (loadOptions: { readOnly?: boolean } = {}): Promise<LoadResult<T>> => {
    const readOnly = loadOptions.readOnly === true;
    const main = await readJson(path);
    if (main === undefined)
      return { state: options.fresh(), note: `no state file at ${path} yet; started fresh` };
    if ('raw' in main) {
      const decoded = decode(main.raw);
      if (decoded.notes.length === 0) return { state: decoded.state };
      const kept = decoded.lossy && !readOnly ? await keep('copy') : undefined;
      return {
        state: decoded.state,
        note: `state file ${path}: ${decoded.notes.join('; ')}${kept ? ` (the original is kept as ${kept})` : ''}`,
      };
    }
    // not JSON at all (a disk that lost a block): the previous save is the best there is
    const prior = await readJson(previous).catch(() => undefined);
    const kept = readOnly ? undefined : await keep('move');
    const aside = kept ? ` (the damaged file is kept as ${kept})` : '';
    if (prior && 'raw' in prior) {
      const decoded = decode(prior.raw);
      return {
        state: decoded.state,
        note: `state file ${path} ${readOnly ? 'is' : 'was'} damaged: ${main.problem}; ${readOnly ? 'showing' : 'restored'} the previous save (${previous}); a notice delivered since may be sent once more, with the same id${aside}`,
      };
    }
    return {
      state: options.fresh(),
      note: `state file ${path} ${readOnly ? 'is' : 'was'} corrupt: ${main.problem}; started fresh${aside}`,
    };
  };

  /** Removes temporary files (ours and lock leftovers) of writers that died, judged against our own new file. */
  const sweep = async (reference: number) => {
    const prefix = basename(path);
    const names = await fs.readdir(options.dir).catch(() => [] as string[]);
    for (const name of names) {
      const temporary =
        name.startsWith(`${prefix}.tmp-`) ||
        /^\.[0-9a-f]{16}\.clock$/.test(name) ||
        (name.startsWith(`${prefix}.lock.`) && /\.(stale-)?[0-9a-f]{16}$/.test(name));
      if (!temporary) continue;
      const file = join(options.dir, name);
      const info = await fs.stat(file).catch(() => undefined);
      if (info && reference - info.mtimeMs > SWEEP_AFTER_MS) await fs.unlink(file).catch(() => undefined);
    }
  };

  const save = async (state: T): Promise<void> => {
    await fs.mkdir(options.dir, { recursive: true });
    const temporary = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      const handle = await fs.open(temporary, 'wx', 0o600);
      try {
        await handle.writeFile(
          `${options.compact ? JSON.stringify(state) : JSON.stringify(state, null, 1)}\n`,
        );
        await handle.sync();
      } finally {
        await handle.close();
      }
      // the previous generation, for a restore should this one be damaged on disk (a hard link: no copy)
      await fs.unlink(previous).catch(() => undefined);
      await fs.link(path, previous).catch(() => undefined);
      await fs.rename(temporary, path);
    } catch (error) {
      // a full disk (ENOSPC) or a read-only one must not leave a half-written temporary file behind
      await fs.unlink(temporary).catch(() => undefined);
      throw error;
    }
    const written = await fs.stat(path).catch(() => undefined);
    if (written) await sweep(written.mtimeMs);
  };

  return {
    location: path,
    load,
    save,
    lock: async (lockOptions = {}) => {
      await fs.mkdir(options.dir, { recursive: true });
      return acquireFileLock(
        {
          path: `${path}.lock`,
          fs,
          waitMs: options.lockWaitMs ?? 10_000,
          staleMs: options.lockStaleAfterMs ?? 300_000,
          pollMs: options.pollMs ?? 50,
          wall: () => new Date(clock()),
        },
        lockOptions,
      );
    },
  };
};
