import { MseWatchError } from '../util/errors.ts';
import type { Ack, AlertState, KeyState } from './model.ts';
import { keyPattern } from './silence.ts';

// Acknowledgements (`mse-watch ack`) as pure state changes: who is working on a firing key, and until when its
// reminders stay quiet. evaluate() reads them; the CLI writes them under the state's lock.

/** Whether an acknowledgement still holds at `now`: until the key resolves, or until its time has come. */
export const ackActive = (ack: Ack | undefined, now: Date): ack is Ack =>
  ack !== undefined && (ack.until === 'resolved' || Date.parse(ack.until) > now.getTime());

/** A key something is wrong with right now: firing, or flapping (announced or not). */
export const isTroubled = (key: KeyState): boolean => key.status === 'firing' || key.flapping;

export type AckRequest = {
  /** A key, or a pattern (`*` matches anything, `/` included): every troubled key it matches is acknowledged. */
  pattern: string;
  by: string;
  now: Date;
  /** 'resolved', or the time the acknowledgement ends (it also ends when the key resolves). */
  until: 'resolved' | Date;
  comment?: string;
};

const troubledKeys = (state: AlertState): string[] =>
  Object.entries(state.keys)
    .filter(([, key]) => isTroubled(key))
    .map(([name]) => name)
    .sort();

/**
 * Acknowledges every troubled key the pattern matches. A pattern that matches none is a usage error that lists
 * what is firing, so a typo never passes silently.
 */
export const acknowledge = (
  state: AlertState,
  request: AckRequest,
): { state: AlertState; acked: string[] } => {
  const pattern = keyPattern(request.pattern);
  const troubled = troubledKeys(state);
  const acked = troubled.filter((name) => pattern.test(name));
  if (acked.length === 0) {
    const known = request.pattern in state.keys;
    throw new MseWatchError(
      'not-firing',
      `${known ? `${request.pattern} is not firing` : `no firing key matches ${request.pattern}`}: nothing to acknowledge (${troubled.length > 0 ? `firing now: ${troubled.join(', ')}` : 'nothing is firing now'})`,
    );
  }
  const ack: Ack = {
    at: request.now.toISOString(),
    by: request.by,
    until: request.until === 'resolved' ? 'resolved' : request.until.toISOString(),
    ...(request.comment ? { comment: request.comment } : {}),
  };
  const keys = { ...state.keys };
  for (const name of acked) keys[name] = { ...keys[name]!, ack };
  return { state: { ...state, keys }, acked };
};

/** Withdraws the acknowledgements of every key the pattern matches; reminders resume. */
export const unacknowledge = (
  state: AlertState,
  patternText: string,
): { state: AlertState; removed: string[] } => {
  const pattern = keyPattern(patternText);
  const removed = Object.entries(state.keys)
    .filter(([name, key]) => key.ack !== undefined && pattern.test(name))
    .map(([name]) => name)
    .sort();
  if (removed.length === 0)
    throw new MseWatchError('not-acknowledged', `no acknowledged key matches ${patternText}`);
  const keys = { ...state.keys };
  for (const name of removed) {
    const { ack: _ack, ...rest } = keys[name]!;
    keys[name] = rest;
  }
  return { state: { ...state, keys }, removed };
};

export type KeyStatus = {
  key: string;
  group: string;
  category: string;
  label: string;
  status: 'firing' | 'flapping';
  since: string;
  detail?: string;
  ack?: Ack;
};

/** What is firing now and who acknowledged what (`mse-watch ack` without a key, the digest, /metrics). */
export const troubleList = (state: AlertState, now: Date): KeyStatus[] =>
  troubledKeys(state).map((name) => {
    const key = state.keys[name]!;
    return {
      key: name,
      group: key.group,
      category: key.category,
      label: key.label,
      status: key.flapping ? 'flapping' : 'firing',
      since: key.since,
      ...(key.detail ? { detail: key.detail } : {}),
      ...(ackActive(key.ack, now) ? { ack: key.ack } : {}),
    };
  });
