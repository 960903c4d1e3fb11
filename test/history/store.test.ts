import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  appendRun,
  decodeHistory,
  freshHistory,
  HISTORY_FILE,
  HISTORY_VERSION,
  historyStore,
} from '../../shared/history/index.ts';
import { StateConfig } from '../../shared/state/config.ts';
import { MINUTE, makeRun, T0, targetsOf } from './fixtures.ts';

const twoRegions = () => {
  let history = freshHistory();
  history = appendRun(history, makeRun('cn-hangzhou', T0, targetsOf('cn-hangzhou')), T0 + MINUTE);
  history = appendRun(history, makeRun('cn-shanghai', T0, targetsOf('cn-shanghai')), T0 + MINUTE);
  return history;
};

describe('decodeHistory: read region by region, never all or nothing', () => {
  it('reads a file it wrote as it is', () => {
    const history = twoRegions();
    expect(decodeHistory(JSON.parse(JSON.stringify(history)))).toEqual({
      state: history,
      notes: [],
      lossy: false,
    });
  });

  it('a damaged region is dropped alone and counted; the other is kept', () => {
    const raw = JSON.parse(JSON.stringify(twoRegions()));
    raw.regions['cn-shanghai'].runs = 'not a list';
    const decoded = decodeHistory(raw);
    expect(Object.keys(decoded.state.regions)).toEqual(['cn-hangzhou']);
    expect(decoded.notes).toEqual(['dropped 1 unreadable region; the others were kept']);
    expect(decoded.lossy).toBe(true);
  });

  it('a file of a newer mse-watch is read for what this version understands, and said so', () => {
    const raw = JSON.parse(JSON.stringify(twoRegions()));
    raw.version = HISTORY_VERSION + 1;
    const decoded = decodeHistory(raw);
    expect(Object.keys(decoded.state.regions)).toEqual(['cn-hangzhou', 'cn-shanghai']);
    expect(decoded.notes[0]).toMatch(/written by a newer mse-watch \(history version 2; this one reads 1\)/);
    // lossy, so the store keeps the original beside it before it is ever written back
    expect(decoded.lossy).toBe(true);
  });

  it('something that is no history at all starts a new one, with a note', () => {
    expect(decodeHistory([1, 2])).toMatchObject({ state: freshHistory(), lossy: true });
  });
});

describe('historyStore: history.json beside the alert state, compact, locked', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mse-watch-history-store-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const config = () => ({ state: StateConfig.parse({ dir, lockWait: '200ms' }) });

  it('writes one compact line in state.dir, and keeps the previous generation', async () => {
    const store = historyStore(config());
    expect(store.location).toBe(join(dir, HISTORY_FILE));
    await store.save(freshHistory());
    await store.save(twoRegions());
    const text = await readFile(join(dir, HISTORY_FILE), 'utf8');
    expect(text.split('\n')).toHaveLength(2);
    expect(text).toBe(`${JSON.stringify(twoRegions())}\n`);
    expect((await readdir(dir)).sort()).toEqual([HISTORY_FILE, `${HISTORY_FILE}.prev`]);
  });

  it('has a lock of its own: a history writer never waits for alerting, nor alerting for it', async () => {
    const store = historyStore(config());
    const lock = await store.lock();
    expect(lock).toBeDefined();
    expect(await store.lock({ waitMs: 50 })).toBeUndefined();
    await lock?.release();
    const again = await store.lock({ waitMs: 50 });
    expect(again).toBeDefined();
    await again?.release();
    expect(await readdir(dir)).not.toContain('alert-state.json.lock');
  });

  it('a damaged file is restored from the previous save when read for writing, and left alone when only read', async () => {
    const store = historyStore(config());
    await store.save(twoRegions());
    await store.save(twoRegions());
    await writeFile(join(dir, HISTORY_FILE), '{"version":1,"regions":{');
    const looked = await store.load({ readOnly: true });
    expect(looked.note).toMatch(/is damaged: not JSON .*showing the previous save/);
    expect(Object.keys(looked.state.regions)).toHaveLength(2);
    expect(await readFile(join(dir, HISTORY_FILE), 'utf8')).toBe('{"version":1,"regions":{');
  });
});
