import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { processAlerts } from '../../shared/alerting/index.ts';
import { parseConfig } from '../../shared/config/load.ts';
import { createFileStore, defaultStateDir } from '../../shared/state/index.ts';
import { at, report, row } from '../alerting/helpers.ts';

const Counter = z.strictObject({ count: z.number().int() });
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mse-watch-store-'));
});
afterEach(async () => {
  await chmod(dir, 0o700).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

const store = (options: { lockWaitMs?: number } = {}) =>
  createFileStore({
    dir,
    file: 'state.json',
    schema: Counter,
    fresh: () => ({ count: 0 }),
    lockWaitMs: 5_000,
    ...options,
  });

describe('file state store', () => {
  it('round-trips, writes atomically and leaves no temporary files', async () => {
    const s = store();
    expect((await s.load()).state).toEqual({ count: 0 });
    await s.save({ count: 3 });
    expect(await s.load()).toEqual({ state: { count: 3 } });
    expect(await readdir(dir)).toEqual(['state.json']);
    expect(JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'))).toEqual({ count: 3 });
  });

  it('serialises concurrent holders: read-modify-write from 8 runs at once loses no update', async () => {
    const increments = Array.from({ length: 8 }, async () => {
      const s = store();
      const lock = await s.lock();
      if (!lock) throw new Error('lock not acquired');
      try {
        const { state } = await s.load();
        await new Promise((resolve) => setTimeout(resolve, 5));
        await s.save({ count: state.count + 1 });
      } finally {
        await lock.release();
      }
    });
    await Promise.all(increments);
    expect((await store().load()).state).toEqual({ count: 8 });
  });

  it('gives up after lockWait while another holder keeps the lock', async () => {
    const holder = await store().lock();
    expect(await store({ lockWaitMs: 100 }).lock()).toBeUndefined();
    await holder?.release();
    const next = await store({ lockWaitMs: 100 }).lock();
    expect(next).toBeDefined();
    await next?.release();
  });

  it('a read-only load reports a corrupt file and leaves it in place; a normal load keeps it aside', async () => {
    await writeFile(join(dir, 'state.json'), 'garbage');
    expect((await store().load({ readOnly: true })).note).toMatch(/state.json is corrupt: not JSON/);
    expect(await readdir(dir)).toEqual(['state.json']);
    const loaded = await store().load();
    expect(loaded.state).toEqual({ count: 0 });
    expect((await readdir(dir)).map((name) => name.replace(/\d+$/, 'N'))).toEqual(['state.json.corrupt-N']);
  });

  it('defaults to a per-user directory', () => {
    expect(defaultStateDir('/home/ops')).toBe('/home/ops/.local/state/mse-watch');
  });

  it('an unusable state dir costs the run its alerting, not its report, and says why', async () => {
    const blocked = join(dir, 'file-not-dir');
    await writeFile(blocked, 'x');
    const config = parseConfig({ alerting: {}, state: { dir: join(blocked, 'state') } });
    const outcome = await processAlerts({
      config,
      report: report(null, [row('127.0.0.1', 1, 'ok'), row('127.0.0.2', 1, 'ok')]),
      now: at(0),
    });
    expect(outcome.ok).toBe(false);
    expect(outcome.problems).toEqual([
      expect.stringMatching(
        /^cannot use the state at .*file-not-dir\/state\/alert-state.json: .*alerting skipped this run/,
      ),
    ]);
    expect(outcome.notices).toEqual([]);
  });
});
