import { MseWatchError } from '../util/errors.ts';
import type { AlertingConfig } from './config.ts';
import type { AlertState, StoredSilence } from './model.ts';
import { type AnySilence, inSilence, matchesKey } from './silence.ts';

// Silences added from the command line (`mse-watch silence add|list|remove`), kept in the alert state and merged
// with the config's when a run is judged. Pure state changes; the CLI applies them under the state's lock.

/** An ended silence stays listed this long (for `silence list` and post-mortems), then it is dropped. */
export const ENDED_SILENCE_KEPT_MS = 7 * 86_400_000;

/** At most this many stored silences: a script adding one a minute must not grow the state without bound. */
export const MAX_STORED_SILENCES = 200;

export type SilenceRequest = {
  id: string;
  match: readonly string[];
  start: Date;
  end: Date;
  comment?: string;
  by?: string;
  now: Date;
};

export const addSilence = (
  state: AlertState,
  request: SilenceRequest,
): { state: AlertState; silence: StoredSilence } => {
  if (request.match.length === 0 || request.match.some((pattern) => pattern.trim() === ''))
    throw new MseWatchError('usage', 'give at least one key pattern, e.g. "cn-hangzhou/*" or "*:9848"');
  if (request.end.getTime() <= request.start.getTime())
    throw new MseWatchError(
      'usage',
      `the silence would end (${request.end.toISOString()}) before it starts (${request.start.toISOString()})`,
    );
  if (request.end.getTime() <= request.now.getTime())
    throw new MseWatchError('usage', `the silence would end in the past (${request.end.toISOString()})`);
  const existing = pruneSilences(state.silences ?? [], request.now);
  if (existing.length >= MAX_STORED_SILENCES)
    throw new MseWatchError(
      'too-many-silences',
      `there are already ${existing.length} stored silences (the most kept): remove some with mse-watch silence remove ID`,
    );
  if (existing.some((silence) => silence.id === request.id))
    throw new MseWatchError('usage', `a silence with id ${request.id} exists already`);
  const silence: StoredSilence = {
    id: request.id,
    match: [...request.match],
    start: request.start.toISOString(),
    end: request.end.toISOString(),
    ...(request.comment ? { comment: request.comment } : {}),
    ...(request.by ? { createdBy: request.by } : {}),
    createdAt: request.now.toISOString(),
  };
  return { state: { ...state, silences: [...existing, silence] }, silence };
};

/** Removes stored silences by id; ids that are not there are named in the error, and nothing is removed. */
export const removeSilences = (
  state: AlertState,
  ids: readonly string[],
): { state: AlertState; removed: StoredSilence[] } => {
  const stored = state.silences ?? [];
  const unknown = ids.filter((id) => !stored.some((silence) => silence.id === id));
  if (unknown.length > 0)
    throw new MseWatchError(
      'unknown-silence',
      `no stored silence has the id ${unknown.join(', ')}${stored.length > 0 ? ` (stored: ${stored.map((s) => s.id).join(', ')})` : ' (none is stored)'}; silences of the config file are removed by editing it`,
    );
  const removed = stored.filter((silence) => ids.includes(silence.id));
  return { state: { ...state, silences: stored.filter((silence) => !ids.includes(silence.id)) }, removed };
};

/** Drops stored silences that ended more than ENDED_SILENCE_KEPT_MS ago. */
export const pruneSilences = (silences: readonly StoredSilence[], now: Date): StoredSilence[] =>
  silences.filter((silence) => now.getTime() - Date.parse(silence.end) <= ENDED_SILENCE_KEPT_MS);

/** The config's silences and the stored ones that have not ended, as evaluate() takes them. */
export const effectiveSilences = (
  config: Pick<AlertingConfig, 'silences'>,
  state: Pick<AlertState, 'silences'>,
  now: Date,
): AnySilence[] => [
  ...config.silences,
  ...(state.silences ?? [])
    .filter((silence) => Date.parse(silence.end) > now.getTime())
    .map((silence) => ({
      id: silence.id,
      match: silence.match,
      start: silence.start,
      end: silence.end,
      ...(silence.comment ? { comment: silence.comment } : {}),
    })),
];

export type SilenceStatus = 'active' | 'pending' | 'ended';

export type ListedSilence = {
  /** Stored silences have an id; the config's are removed by editing the file. */
  id?: string;
  source: 'config' | 'state';
  match: string[];
  start: string;
  end: string;
  status: SilenceStatus;
  comment?: string;
  createdBy?: string;
  /** Keys in the state this silence matches (what it holds back now, or would). */
  matches: string[];
};

const statusOf = (silence: { start: string; end: string }, now: Date): SilenceStatus =>
  inSilence(silence, now) ? 'active' : Date.parse(silence.start) > now.getTime() ? 'pending' : 'ended';

/** Every silence, the config's first, with its status and the keys it matches. */
export const silenceList = (
  config: Pick<AlertingConfig, 'silences'>,
  state: AlertState,
  now: Date,
): ListedSilence[] => {
  const keys = Object.keys(state.keys).sort();
  const matching = (match: readonly string[]) => keys.filter((key) => matchesKey(match, key));
  return [
    ...config.silences.map((silence) => ({
      source: 'config' as const,
      match: [...silence.match],
      start: new Date(silence.start).toISOString(),
      end: new Date(silence.end).toISOString(),
      status: statusOf(silence, now),
      ...(silence.comment ? { comment: silence.comment } : {}),
      matches: matching(silence.match),
    })),
    ...pruneSilences(state.silences ?? [], now).map((silence) => ({
      id: silence.id,
      source: 'state' as const,
      match: [...silence.match],
      start: silence.start,
      end: silence.end,
      status: statusOf(silence, now),
      ...(silence.comment ? { comment: silence.comment } : {}),
      ...(silence.createdBy ? { createdBy: silence.createdBy } : {}),
      matches: matching(silence.match),
    })),
  ];
};
