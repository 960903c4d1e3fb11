// The state lock (shared/state/lock.ts) and the store's writes under the faults of issue 12, fault 3 and 5:
// dead holders, other hosts, clocks that are off, full disks. Real files in a temporary directory; a full disk is
// an injected file operation that fails the way the kernel does (code ENOSPC, errno -28) after writing part.
import { spawnSync } from 'node:child_process';
import * as fsp from 'node:fs/promises';
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { processAlerts } from '../../shared/alerting/index.ts';
import { parseConfig } from '../../shared/config/load.ts';
import { thisHolder } from '../../shared/state/fs.ts';
import { createFileStore, realFs, type StoreFs } from '../../shared/state/index.ts';
import { at, report, row } from '../alerting/helpers.ts';

const Counter = z.strictObject({ count: z.number().int() });
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mse-watch-lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const store = (options: Partial<Parameters<typeof createFileStore<{ count: number }>>[0]> = {}) =>
  createFileStore({
    dir,
    file: 'state.json',
    schema: Counter,
    fresh: () => ({ count: 0 }),
    lockWaitMs: 5_000,
    lockStaleAfterMs: 300_000,
    ...options,
  });

const lockFile = () => join(dir, 'state.json.lock');
const deadPid = (): number => {
  const child = spawnSync('true');
  return child.pid ?? 999_999;
};

/** The error a full disk gives, as the kernel reports it through node. */
const enospc = (syscall: string) =>
  Object.assign(new Error(`ENOSPC: no space left on device, ${syscall}`), {
    errno: -28,
    code: 'ENOSPC',
    syscall,
  });

describe('taking over a lock', () => {
  it('a holder that is gone on this host is taken over at once, not after lockStaleAfter', async () => {
    const me = await thisHolder(realFs);
    await writeFile(
      lockFile(),
      JSON.stringify({
        ...me,
        pid: deadPid(),
        token: 'dead0000dead0000',
        startedAt: new Date().toISOString(),
      }),
    );
    const started = performance.now();
    const lock = await store({ lockWaitMs: 10_000 }).lock();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(lock?.note).toMatch(
      /took over the lock on .*state\.json\.lock: its holder, process \d+ on this host, is gone/,
    );
    await lock?.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('a pid that lives again as another process (a restart) does not keep the lock', async () => {
    const me = await thisHolder(realFs);
    expect(me.pidStart).toBeDefined();
    await writeFile(
      lockFile(),
      JSON.stringify({
        ...me,
        pidStart: '1',
        token: 'reused00reused00',
        startedAt: new Date().toISOString(),
      }),
    );
    const lock = await store({ lockWaitMs: 2000 }).lock();
    expect(lock?.note).toMatch(/is gone/);
    await lock?.release();
  });

  it('a live holder on this host is waited for, however old its lock', async () => {
    const holder = await store().lock();
    const old = new Date(Date.now() - 3_600_000);
    await utimes(lockFile(), old, old);
    expect(await store({ lockWaitMs: 300, lockStaleAfterMs: 1000 }).lock()).toBeUndefined();
    await holder?.release();
  });

  it('another host: a fresh lock is not broken by a run whose clock is 10 minutes ahead; an unrefreshed one is', async () => {
    const other = {
      pid: 4242,
      host: 'fc-instance-b',
      hostId: '0123456789abcdef',
      token: 'otherhost0000000',
      startedAt: new Date(Date.now() + 600_000).toISOString(),
    };
    await writeFile(lockFile(), JSON.stringify(other));
    const ahead = () => Date.now() + 600_000;
    expect(await store({ clock: ahead, lockWaitMs: 300, lockStaleAfterMs: 300_000 }).lock()).toBeUndefined();
    expect(JSON.parse(await readFile(lockFile(), 'utf8')).token).toBe(other.token);
    // not refreshed for 10 minutes, as the file system's own clock tells: the holder died on its host
    const old = new Date(Date.now() - 600_000);
    await utimes(lockFile(), old, old);
    const lock = await store({ lockWaitMs: 300, lockStaleAfterMs: 300_000 }).lock();
    expect(lock?.note).toMatch(/process 4242 on fc-instance-b had not refreshed it for 6\d\d s/);
    await lock?.release();
  });

  it('the holder refreshes its lock while it runs, so nobody takes a live one for stale', async () => {
    const lock = await store({ lockStaleAfterMs: 3000 }).lock();
    const old = new Date(Date.now() - 60_000);
    await utimes(lockFile(), old, old);
    await new Promise((resolve) => setTimeout(resolve, 1300));
    expect(Date.now() - (await stat(lockFile())).mtimeMs).toBeLessThan(2000);
    await lock?.release();
  });

  it('stops waiting at once when the signal fires', async () => {
    const holder = await store().lock();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = performance.now();
    expect(await store({ lockWaitMs: 10_000 }).lock({ signal: controller.signal })).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(1000);
    await holder?.release();
  });
});

describe('a full disk (ENOSPC)', () => {
  it('while writing the lock: no lock and no temporary file is left behind; the next run is not blocked', async () => {
    const full: Partial<StoreFs> = {
      writeFile: (async (path: string, data: string, options: unknown) => {
        if (String(path).includes('.lock.')) {
          // the kernel creates the file, writes nothing, then refuses
          await fsp.writeFile(path, '', options as never);
          throw enospc('write');
        }
        return fsp.writeFile(path, data, options as never);
      }) as StoreFs['writeFile'],
    };
    await expect(store({ fs: full }).lock()).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(await readdir(dir)).toEqual([]);
    const started = performance.now();
    const next = await store().lock();
    expect(performance.now() - started).toBeLessThan(500);
    await next?.release();
  });

  it('while saving: the old state stays, the temporary file is removed, the error says ENOSPC', async () => {
    await store().save({ count: 1 });
    const full: Partial<StoreFs> = {
      open: (async (path: string, flags: string, mode?: number) => {
        const handle = await fsp.open(path, flags, mode);
        if (!String(path).includes('.tmp-')) return handle;
        return new Proxy(handle, {
          get(target, property) {
            if (property === 'writeFile')
              return async (data: string) => {
                await target.write(String(data).slice(0, 7));
                throw enospc('write');
              };
            const value = Reflect.get(target, property, target);
            return typeof value === 'function' ? value.bind(target) : value;
          },
        });
      }) as StoreFs['open'],
    };
    await expect(store({ fs: full }).save({ count: 2 })).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(await readdir(dir)).toEqual(['state.json']);
    expect((await store().load()).state).toEqual({ count: 1 });
  });

  it('processAlerts on a full disk: the run keeps its report and says why alerting is impaired; no temporary file is left', async () => {
    const config = parseConfig({ alerting: { channels: [] }, state: { dir } });
    const full: Partial<StoreFs> = {
      open: (async (path: string, flags: string, mode?: number) => {
        if (String(path).includes('.tmp-')) {
          await fsp.writeFile(path, '');
          throw enospc('open');
        }
        return fsp.open(path, flags, mode);
      }) as StoreFs['open'],
    };
    const alertsStore = createFileStore({
      dir,
      file: 'alert-state.json',
      schema: z.any(),
      fresh: () => ({ version: 2, keys: {}, outbox: [], channels: {}, delivered: [] }),
      fs: full,
    });
    const outcome = await processAlerts(
      { config, report: report(null, [row('127.0.0.1', 1, 'ok'), row('127.0.0.2', 1, 'ok')]), now: at(0) },
      { store: alertsStore },
    );
    expect(outcome.ok).toBe(false);
    expect(outcome.problems).toEqual([
      expect.stringMatching(
        /^could not save the state at .*alert-state\.json \(ENOSPC: no space left on device, open\)/,
      ),
    ]);
    expect((await readdir(dir)).filter((name) => name.includes('.tmp-') || name.includes('.lock'))).toEqual(
      [],
    );
  });
});

describe('temporary files of writers that died', () => {
  it('are swept by the next save once they are over a minute old', async () => {
    const leftover = join(dir, 'state.json.tmp-999999-deadbeef');
    const young = join(dir, 'state.json.tmp-999998-cafebabe');
    await writeFile(leftover, '{"count":');
    await writeFile(young, '{"count":');
    const old = new Date(Date.now() - 5 * 60_000);
    await utimes(leftover, old, old);
    await store().save({ count: 1 });
    const names = await readdir(dir);
    expect(names).not.toContain('state.json.tmp-999999-deadbeef');
    expect(names).toContain('state.json.tmp-999998-cafebabe');
  });
});
