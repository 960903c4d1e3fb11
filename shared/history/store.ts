import { StateConfig } from '../state/config.ts';
import { createFileStore, defaultStateDir } from '../state/file-store.ts';
import type { Decode, StateStore } from '../state/store.ts';
import { freshHistory, HISTORY_VERSION, History, RegionHistory } from './schema.ts';

/** The history lives beside the alert state, in its own file with its own lock (`history.json.lock`). */
export const HISTORY_FILE = 'history.json';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Reads history.json region by region: a region that does not parse is dropped alone and counted (the original
 * file is then kept beside it by the store), never the whole file. A file written by a newer mse-watch is read
 * for the regions this version understands, and its original is kept the same way before the next save.
 */
export const decodeHistory: Decode<History> = (raw) => {
  if (!isRecord(raw)) {
    return {
      state: freshHistory(),
      notes: ['it does not hold a JSON object; started a new history'],
      lossy: true,
    };
  }
  const notes: string[] = [];
  const version = raw.version;
  if (typeof version === 'number' && version > HISTORY_VERSION)
    notes.push(
      `it was written by a newer mse-watch (history version ${version}; this one reads ${HISTORY_VERSION}): kept what this version can read`,
    );
  else if (version !== HISTORY_VERSION) notes.push('it has no valid version number; read as version 1');
  const regions: History['regions'] = {};
  let dropped = 0;
  if (isRecord(raw.regions)) {
    for (const [name, value] of Object.entries(raw.regions)) {
      const parsed = RegionHistory.safeParse(value);
      if (parsed.success) regions[name] = parsed.data;
      else dropped++;
    }
  } else if (raw.regions !== undefined) notes.push('its regions did not have the expected shape');
  if (dropped > 0)
    notes.push(`dropped ${dropped} unreadable region${dropped === 1 ? '' : 's'}; the others were kept`);
  const state = History.parse({ version: HISTORY_VERSION, regions });
  return { state, notes, lossy: notes.length > 0 };
};

/**
 * The history store of a config: `history.json` in `state.dir` (the alert state's directory), written compact
 * (a month of one-minute runs is ~100-200 KB instead of twice that), with the same atomic writes, `.prev`
 * generation and lock discipline as the alert state.
 */
export const historyStore = (
  config: { state?: StateConfig | undefined },
  home?: string,
): StateStore<History> => {
  const state = config.state ?? StateConfig.parse({});
  return createFileStore({
    dir: state.dir ?? defaultStateDir(home),
    file: HISTORY_FILE,
    schema: History,
    decode: decodeHistory,
    fresh: freshHistory,
    lockWaitMs: state.lockWait,
    lockStaleAfterMs: state.lockStaleAfter,
    compact: true,
  });
};
