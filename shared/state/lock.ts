import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorCode, type Holder, holderGone, type StoreFs, sameHost, thisHolder } from './fs.ts';
import type { LockOptions, StateLock } from './store.ts';

/** What the lock file says: who holds it, since when (for people; ages are judged by the file system). */
type LockRecord = Holder & { token: string; startedAt: string };

export type FileLockOptions = {
  path: string;
  fs: StoreFs;
  waitMs: number;
  /** A lock not refreshed for this long belongs to a run that died (or hangs) on another host. */
  staleMs: number;
  pollMs: number;
  /** Wall time, for the record's startedAt only. */
  wall: () => Date;
};

const parseRecord = (text: string): LockRecord | undefined => {
  try {
    const value = JSON.parse(text) as Partial<LockRecord>;
    return typeof value.token === 'string' &&
      typeof value.pid === 'number' &&
      typeof value.hostId === 'string'
      ? (value as LockRecord)
      : undefined;
  } catch {
    return undefined;
  }
};

const monotonic = () => performance.now();

/**
 * An exclusive lock file, safe on a local disk and on NAS (NFS):
 * - it is created whole or not at all: the record is written to a file of our own, then hard-linked to the lock
 *   path (link fails if the lock exists), so a full disk or a crash never leaves an empty lock behind;
 * - a holder that is gone on this host (its pid no longer runs, or now names a process that started at
 *   another time) is taken over at once; a live one on this host is waited for;
 * - a holder elsewhere refreshes the file every staleMs/3 while it runs; a lock the file system has not seen
 *   refreshed for staleMs is taken over. Ages are read on the file system's own clock (the mtime of a file we
 *   just wrote against the lock's mtime), so a run whose clock is ahead never breaks a live lock;
 * - release removes it only if it is still ours.
 */
export const acquireFileLock = async (
  options: FileLockOptions,
  lockOptions: LockOptions = {},
): Promise<StateLock | undefined> => {
  const { fs, path } = options;
  const dir = dirname(path);
  const token = randomBytes(8).toString('hex');
  const me = await thisHolder(fs);
  const record: LockRecord = { ...me, token, startedAt: options.wall().toISOString() };
  const text = JSON.stringify(record);
  const waitMs = lockOptions.waitMs ?? options.waitMs;
  const deadline = monotonic() + Math.max(0, waitMs);

  const tryCreate = async (): Promise<boolean> => {
    const own = `${path}.${token}`;
    try {
      await fs.writeFile(own, text, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      await fs.unlink(own).catch(() => undefined);
      throw error;
    }
    try {
      await fs.link(own, path);
      return true;
    } catch (error) {
      if (errorCode(error) === 'EEXIST') return false;
      throw error;
    } finally {
      await fs.unlink(own).catch(() => undefined);
    }
  };

  /** "Now" on the file system's clock: the mtime of a file written just now. */
  const fileSystemNow = async (): Promise<number> => {
    const probe = join(dir, `.${token}.clock`);
    try {
      await fs.writeFile(probe, '');
      return (await fs.stat(probe)).mtimeMs;
    } catch {
      return Date.now();
    } finally {
      await fs.unlink(probe).catch(() => undefined);
    }
  };

  /** Why the current lock may be taken over, or undefined while its holder is alive. */
  const staleReason = async (): Promise<{ content: string; why: string } | undefined> => {
    let content: string;
    let mtimeMs: number;
    try {
      content = await fs.readFile(path, 'utf8');
      mtimeMs = (await fs.stat(path)).mtimeMs;
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return undefined;
      throw error;
    }
    const holder = parseRecord(content);
    if (holder && (await holderGone(fs, me, holder)))
      return { content, why: `its holder, process ${holder.pid} on this host, is gone` };
    // a holder on this host is alive (it was just checked): it is waited for, however old its lock looks
    if (holder && sameHost(me, holder)) return undefined;
    const age = (await fileSystemNow()) - mtimeMs;
    if (age >= options.staleMs) {
      const who = holder ? `process ${holder.pid} on ${holder.host}` : 'an unknown holder';
      return { content, why: `${who} had not refreshed it for ${Math.round(age / 1000)} s` };
    }
    return undefined;
  };

  /** Moves the stale lock aside; rename is atomic, so of several waiting runs only one takes it over. */
  const takeOver = async (content: string): Promise<void> => {
    const aside = `${path}.stale-${token}`;
    try {
      await fs.rename(path, aside);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return;
      throw error;
    }
    const moved = await fs.readFile(aside, 'utf8').catch(() => '');
    // between our look and the rename another run may have taken over and written a fresh lock: put it back
    if (moved !== content) await fs.link(aside, path).catch(() => undefined);
    await fs.unlink(aside).catch(() => undefined);
  };

  let note: string | undefined;
  for (;;) {
    if (lockOptions.signal?.aborted) return undefined;
    if (await tryCreate()) break;
    const stale = await staleReason();
    if (stale) {
      await takeOver(stale.content);
      note = `took over the lock on ${path}: ${stale.why}`;
      continue;
    }
    if (monotonic() >= deadline) return undefined;
    try {
      await sleep(Math.min(options.pollMs, Math.max(1, deadline - monotonic())), undefined, {
        ...(lockOptions.signal ? { signal: lockOptions.signal } : {}),
      });
    } catch {
      return undefined;
    }
  }

  const isOurs = async () => parseRecord(await fs.readFile(path, 'utf8').catch(() => ''))?.token === token;
  // rewriting the same bytes makes the file system stamp the lock with its own time (NFS: the server's clock)
  const refresh = async () => {
    if (!(await isOurs())) return;
    const handle = await fs.open(path, 'r+').catch(() => undefined);
    if (!handle) return;
    await handle.write(text, 0).catch(() => undefined);
    await handle.close().catch(() => undefined);
  };
  const heartbeat = setInterval(() => void refresh(), Math.max(1000, Math.floor(options.staleMs / 3)));
  heartbeat.unref();

  let released = false;
  return {
    ...(note ? { note } : {}),
    release: async () => {
      if (released) return;
      released = true;
      clearInterval(heartbeat);
      // only our own lock: if it was taken over meanwhile, the new holder's file stays
      if (await isOurs().catch(() => false)) await fs.unlink(path).catch(() => undefined);
    },
  };
};
