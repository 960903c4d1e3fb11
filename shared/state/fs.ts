import { createHash } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { hostname } from 'node:os';

/**
 * The file operations the store uses, injectable so a test can hand in one that fails the way a full disk
 * does (the real error shape: code ENOSPC, errno -28, syscall write); the real ones by default.
 */
export type StoreFs = Pick<
  typeof fsp,
  | 'open'
  | 'readFile'
  | 'writeFile'
  | 'rename'
  | 'unlink'
  | 'stat'
  | 'mkdir'
  | 'link'
  | 'readdir'
  | 'copyFile'
  | 'readlink'
>;

export const realFs: StoreFs = fsp;

export const errorCode = (error: unknown): string | undefined =>
  (error as NodeJS.ErrnoException | undefined)?.code;

/**
 * Who holds a lock, as far as another run can check it. `hostId` is the same only for processes that share a
 * host name, a kernel boot and a pid namespace: only then does "is pid N alive" mean anything. Two containers
 * or two Function Compute instances never share it, so neither judges the other by a pid it cannot see.
 */
export type Holder = { pid: number; host: string; hostId: string; pidStart?: string };

const readOr = async (read: () => Promise<string>): Promise<string> => {
  try {
    return (await read()).trim();
  } catch {
    return '';
  }
};

/** /proc/<pid>/stat field 22: when the process started, in clock ticks since boot (Linux). Tells a reused pid. */
export const processStart = async (fs: StoreFs, pid: number | 'self'): Promise<string | undefined> => {
  const text = await readOr(() => fs.readFile(`/proc/${pid}/stat`, 'utf8'));
  // the command name (field 2) may hold spaces and parentheses: count from the last ')'
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return fields[19] && /^\d+$/.test(fields[19]) ? fields[19] : undefined;
};

export const thisHolder = async (fs: StoreFs): Promise<Holder> => {
  const host = hostname();
  const boot = await readOr(() => fs.readFile('/proc/sys/kernel/random/boot_id', 'utf8'));
  const pidNamespace = await readOr(() => fs.readlink('/proc/self/ns/pid'));
  const hostId = createHash('sha256').update(`${host}\n${boot}\n${pidNamespace}`).digest('hex').slice(0, 16);
  const pidStart = await processStart(fs, 'self');
  return { pid: process.pid, host, hostId, ...(pidStart ? { pidStart } : {}) };
};

/** Whether a holder's pid can be checked from here: same host, same kernel boot, same pid namespace. */
export const sameHost = (me: Holder, holder: Holder): boolean =>
  holder.hostId === me.hostId && Number.isSafeInteger(holder.pid) && holder.pid > 0;

/**
 * Whether a holder is known to be gone: only on this host (same hostId), when its pid no longer exists or now
 * belongs to a process that started at another time. Anything else (another host, no /proc, EPERM) is "alive".
 */
export const holderGone = async (fs: StoreFs, me: Holder, holder: Holder): Promise<boolean> => {
  if (!sameHost(me, holder)) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    return errorCode(error) === 'ESRCH';
  }
  if (holder.pidStart === undefined) return false;
  const start = await processStart(fs, holder.pid);
  return start !== undefined && start !== holder.pidStart;
};
