import type { z } from 'zod';
import {
  AlertState,
  ChannelState,
  DeliveredRecord,
  DigestState,
  freshAlertState,
  KeyState,
  OutboxEntry,
  STATE_VERSION,
  StoredSilence,
} from './model.ts';

// Reading the state file forward-compatibly. The outbox is the one thing a bad read must never cost: a pending
// "Resolved" that is lost leaves an incident open for ever, so the file is read part by part and entry by entry,
// and whatever cannot be read is dropped alone and counted, never the whole file.
//
// - A newer version number, or keys this version does not know (top level or inside an entry), are read and
//   kept as they are: a rollback keeps the outbox, and a roll forward finds its fields again.
// - Older versions are migrated step by step (MIGRATIONS); the file is written back as STATE_VERSION.
// - A damaged part (an entry of the wrong shape) is dropped with a note; the rest is used.

export type Decoded = {
  state: AlertState;
  /** What a person should know about this read (said once: the next save writes a clean file). */
  notes: string[];
  /** Something could not be read and was dropped: the original is worth keeping for a post-mortem. */
  lossy: boolean;
};

type Raw = Record<string, unknown>;

const isRecord = (value: unknown): value is Raw =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Version n -> n + 1. Every addition of version 2 is optional, so version 1 files need no change. */
const MIGRATIONS: Record<number, (state: Raw) => Raw> = {
  1: (state) => state,
};

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/** Keeps what parses, drops and counts what does not. */
const salvageRecord = <S extends z.ZodType>(value: unknown, schema: S) => {
  const kept: Record<string, z.infer<S>> = {};
  let dropped = 0;
  if (!isRecord(value))
    return { kept, dropped: value === undefined ? 0 : 1, wrongShape: value !== undefined };
  for (const [key, item] of Object.entries(value)) {
    const parsed = schema.safeParse(item);
    if (parsed.success) kept[key] = parsed.data;
    else dropped++;
  }
  return { kept, dropped, wrongShape: false };
};

const salvageList = <S extends z.ZodType>(value: unknown, schema: S) => {
  const kept: Array<z.infer<S>> = [];
  let dropped = 0;
  if (!Array.isArray(value))
    return { kept, dropped: value === undefined ? 0 : 1, wrongShape: value !== undefined };
  for (const item of value) {
    const parsed = schema.safeParse(item);
    if (parsed.success) kept.push(parsed.data);
    else dropped++;
  }
  return { kept, dropped, wrongShape: false };
};

/** The state from whatever JSON the file held. Never throws; the worst case is a fresh state and a note. */
export const decodeAlertState = (raw: unknown): Decoded => {
  if (!isRecord(raw)) {
    return {
      state: freshAlertState(),
      notes: ['it does not hold a JSON object; started fresh'],
      lossy: true,
    };
  }
  const notes: string[] = [];
  const version =
    typeof raw.version === 'number' && Number.isInteger(raw.version) && raw.version >= 1
      ? raw.version
      : undefined;
  if (version === undefined) notes.push('it has no valid version number; read as version 1');
  else if (version > STATE_VERSION) {
    notes.push(
      `it was written by a newer mse-watch (state version ${version}; this one writes ${STATE_VERSION}): read what this version knows, and kept the rest`,
    );
  }
  let migrated: Raw = raw;
  for (let from = version ?? 1; from < STATE_VERSION; from++)
    migrated = (MIGRATIONS[from] ?? ((s) => s))(migrated);

  const keys = salvageRecord(migrated.keys, KeyState);
  const outbox = salvageList(migrated.outbox, OutboxEntry);
  const channels = salvageRecord(migrated.channels, ChannelState);
  const delivered = salvageList(migrated.delivered, DeliveredRecord);
  // added later in version 2, so absent from older files: absent stays absent
  const silences = salvageList(migrated.silences, StoredSilence);
  const digest = migrated.digest === undefined ? undefined : DigestState.safeParse(migrated.digest);
  const losses = [
    keys.dropped ? plural(keys.dropped, 'unreadable key', 'unreadable keys') : '',
    outbox.dropped ? plural(outbox.dropped, 'unreadable outbox entry', 'unreadable outbox entries') : '',
    channels.dropped ? plural(channels.dropped, 'unreadable channel state', 'unreadable channel states') : '',
    delivered.dropped
      ? plural(delivered.dropped, 'unreadable delivery record', 'unreadable delivery records')
      : '',
    silences.dropped ? plural(silences.dropped, 'unreadable silence', 'unreadable silences') : '',
    digest && !digest.success ? 'the unreadable day of the last digest' : '',
  ].filter(Boolean);
  const wrong = [
    keys.wrongShape ? 'keys' : '',
    outbox.wrongShape ? 'outbox' : '',
    channels.wrongShape ? 'channels' : '',
    delivered.wrongShape ? 'delivered' : '',
    silences.wrongShape ? 'silences' : '',
  ].filter(Boolean);
  if (wrong.length > 0)
    notes.push(`its ${wrong.join(', ')} did not have the expected shape and were set aside`);
  if (losses.length > 0)
    notes.push(`dropped ${losses.join(', ')}; everything else (${outbox.kept.length} pending) was kept`);

  const {
    version: _version,
    keys: _k,
    outbox: _o,
    channels: _c,
    delivered: _d,
    silences: _s,
    digest: _g,
    ...unknown
  } = migrated;
  const state = AlertState.parse({
    ...unknown,
    version: STATE_VERSION,
    keys: keys.kept,
    outbox: outbox.kept,
    channels: channels.kept,
    delivered: delivered.kept,
    ...(migrated.silences === undefined ? {} : { silences: silences.kept }),
    ...(digest?.success ? { digest: digest.data } : {}),
  });
  return { state, notes, lossy: losses.length > 0 || wrong.length > 0 };
};

/** Small clock differences between runs are normal (NTP, another host); beyond this a time is not believed. */
export const CLOCK_TOLERANCE_MS = 5 * 60_000;

/**
 * Times in the state that lie in the future can only come from a clock that was ahead when they were written.
 * Kept as they are they would silence a key (a flap "still changing", a reminder "just sent") or defer a retry
 * until the clock catches up, hours or days later. Clamped to `now` on load; a deferral longer than any the
 * run could have asked for (`maxDeferMs`) is dropped, so the channel is tried now.
 */
export const clampFutureTimes = (
  state: AlertState,
  now: Date,
  options: { maxDeferMs: number },
): { state: AlertState; note?: string } => {
  const at = now.getTime();
  const limit = at + CLOCK_TOLERANCE_MS;
  const nowIso = now.toISOString();
  let furthest = 0;
  const clamp = (iso: string): string => {
    const time = Date.parse(iso);
    if (!(time > limit)) return iso;
    furthest = Math.max(furthest, time - at);
    return nowIso;
  };
  const clampOptional = (iso: string | undefined) => (iso === undefined ? undefined : clamp(iso));

  const keys: AlertState['keys'] = {};
  for (const [key, value] of Object.entries(state.keys)) {
    const announcedAt = clampOptional(value.announcedAt);
    keys[key] = {
      ...value,
      since: clamp(value.since),
      lastSeen: clamp(value.lastSeen),
      changes: value.changes.map(clamp),
      ...(announcedAt === undefined ? {} : { announcedAt }),
    };
  }
  const channels: AlertState['channels'] = {};
  for (const [name, value] of Object.entries(state.channels)) {
    const { nextAttemptAt, ...rest } = value;
    const next = nextAttemptAt === undefined ? undefined : Date.parse(nextAttemptAt);
    const deferTooLong = next !== undefined && next > at + options.maxDeferMs + CLOCK_TOLERANCE_MS;
    if (deferTooLong && next !== undefined) furthest = Math.max(furthest, next - at - options.maxDeferMs);
    const sentAt = value.sentAt.filter((iso) => {
      const time = Date.parse(iso);
      if (time > limit) furthest = Math.max(furthest, time - at);
      return !(time > limit);
    });
    channels[name] = {
      ...rest,
      sentAt,
      ...(nextAttemptAt === undefined || deferTooLong ? {} : { nextAttemptAt }),
      ...(value.broken ? { broken: { ...value.broken, since: clamp(value.broken.since) } } : {}),
    };
  }
  const outbox = state.outbox.map((entry) => ({ ...entry, queuedAt: clamp(entry.queuedAt) }));
  // a digest "already sent" for a day that has not come yet would hold back every digest until it does
  const digestAt = state.digest ? Date.parse(state.digest.at) : Number.NaN;
  const dropDigest = digestAt > limit;
  if (dropDigest) furthest = Math.max(furthest, digestAt - at);
  if (furthest === 0) return { state };
  const { digest: _digest, ...rest } = state;
  const minutes = Math.round(furthest / 60_000);
  return {
    state: { ...(dropDigest ? rest : state), keys, channels, outbox },
    note: `the state held times up to ${minutes >= 120 ? `${Math.round(minutes / 60)} h` : `${minutes} min`} ahead of this run's clock (written while a clock was ahead?); they were set to now, so no retry, reminder or flap stays held back by them`,
  };
};
