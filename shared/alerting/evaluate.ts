import { formatDuration } from '../util/duration.ts';
import { ackActive } from './ack.ts';
import type { AlertingConfig } from './config.ts';
import type { AlertEvent, AlertState, Change, KeyState, Observation } from './model.ts';
import { type AnySilence, muteReason } from './silence.ts';

export type EvaluationConfig = Pick<
  AlertingConfig,
  'failureThreshold' | 'successThreshold' | 'window' | 'flap' | 'reminderInterval' | 'maintenanceWindows'
> & {
  /** The config's silences and those stored by `mse-watch silence add` (processAlerts merges them). */
  silences: readonly AnySilence[];
};

export type Evaluation = {
  /** The next state (keys only; outbox and channels are passed through untouched). */
  state: AlertState;
  /** What to announce this run, in observation order. */
  events: AlertEvent[];
  /** Changes held back, and why. */
  suppressed: Array<{ key: string; by: string }>;
};

const freshKey = (observation: Observation, at: string): KeyState => ({
  group: observation.group,
  category: observation.category,
  label: observation.label,
  status: 'ok',
  since: at,
  consecutiveFailures: 0,
  consecutiveSuccesses: 0,
  history: [],
  changes: [],
  flapping: false,
  announced: 'ok',
  lastSeen: at,
});

/** Step 1: counters, the M-of-N window and hysteresis decide firing/ok; status changes feed flap detection. */
const judge = (
  previous: KeyState,
  observation: Observation,
  now: Date,
  config: EvaluationConfig,
): KeyState => {
  const at = now.toISOString();
  const next: KeyState = {
    ...previous,
    group: observation.group,
    category: observation.category,
    label: observation.label,
    lastSeen: at,
    verdict: observation.verdict,
  };
  if (observation.outcome === 'skip') return next;

  const failed = observation.outcome === 'fail';
  const keep = Math.max(config.window?.runs ?? 0, 1);
  next.history = [...previous.history, failed].slice(-keep);
  next.consecutiveFailures = failed ? previous.consecutiveFailures + 1 : 0;
  next.consecutiveSuccesses = failed ? 0 : previous.consecutiveSuccesses + 1;
  if (failed) next.detail = observation.detail;

  const windowFailures = config.window ? next.history.filter(Boolean).length : 0;
  const windowHolds = config.window !== null && windowFailures >= config.window.failures;

  if (previous.status === 'ok' && failed) {
    if (next.consecutiveFailures >= config.failureThreshold) {
      next.status = 'firing';
      next.firedBy = 'consecutive';
      next.reason =
        next.consecutiveFailures === 1
          ? 'failed once'
          : `${next.consecutiveFailures} consecutive failed runs`;
    } else if (windowHolds && config.window) {
      next.status = 'firing';
      next.firedBy = 'window';
      next.reason = `${windowFailures} of the last ${next.history.length} runs failed`;
    }
  } else if (previous.status === 'firing' && !failed) {
    // A key fired by the window stays firing until the window clears too, or it would re-fire at once.
    if (
      next.consecutiveSuccesses >= config.successThreshold &&
      !(previous.firedBy === 'window' && windowHolds)
    ) {
      next.status = 'ok';
      next.reason =
        next.consecutiveSuccesses === 1
          ? 'passed once'
          : `${next.consecutiveSuccesses} consecutive successful runs`;
    }
  }

  const horizon = now.getTime() - config.flap.window;
  next.changes = previous.changes.filter((time) => Date.parse(time) > horizon);
  if (next.status !== previous.status) {
    next.since = at;
    next.changes.push(at);
  }
  if (config.flap.enabled) {
    const lastChange = next.changes.at(-1);
    // starts only on a change, so a key that just settled is not declared flapping again by old changes
    const changedNow = next.status !== previous.status;
    if (!previous.flapping && changedNow && next.changes.length >= config.flap.changes) next.flapping = true;
    else if (
      previous.flapping &&
      (!lastChange || now.getTime() - Date.parse(lastChange) >= config.flap.quiet)
    ) {
      next.flapping = false;
    }
  } else next.flapping = false;
  return next;
};

const changeFor = (announced: KeyState['announced'], target: KeyState['announced']): Change => {
  switch (target) {
    case 'firing':
      return 'firing';
    case 'flapping':
      return 'flapping';
    case 'ok':
      return 'resolved';
    default: {
      const never: never = target;
      throw new Error(`unknown announcement ${String(never)} after ${announced}`);
    }
  }
};

const reasonFor = (
  key: KeyState,
  change: Change,
  announced: KeyState['announced'],
  config: EvaluationConfig,
) => {
  if (change === 'flapping') {
    return `changed state ${key.changes.length} times within ${formatDuration(config.flap.window)}`;
  }
  if (announced === 'flapping') {
    return change === 'firing' ? 'stopped flapping; failing steadily' : 'stopped flapping; passing steadily';
  }
  if (change === 'reminder')
    return `still failing (reminder every ${formatDuration(config.reminderInterval)})`;
  return key.reason ?? '';
};

/**
 * The pure judgement: (previous state, this run's observations, now, config) -> (next state, events).
 * Status (firing/ok, flapping) is tracked for every key even while muted; announcements are what the
 * channels were told, and an event is emitted only when the two differ and nothing mutes the key.
 * A key fired and resolved within a silence is therefore never announced at all.
 */
export const evaluate = (
  previous: AlertState,
  observations: readonly Observation[],
  now: Date,
  config: EvaluationConfig,
  options: { forgetAfterMs?: number } = {},
): Evaluation => {
  const at = now.toISOString();
  const keys: Record<string, KeyState> = {};
  for (const [key, value] of Object.entries(previous.keys)) {
    const unseenFor = now.getTime() - Date.parse(value.lastSeen);
    if (options.forgetAfterMs === undefined || unseenFor <= options.forgetAfterMs) keys[key] = value;
  }

  const observed = new Map<string, Observation>();
  for (const observation of observations) {
    observed.set(observation.key, observation);
    keys[observation.key] = judge(
      keys[observation.key] ?? freshKey(observation, at),
      observation,
      now,
      config,
    );
  }

  // An inhibitor is active while its own observation fails this run or it is still firing (storm guard).
  const inhibiting = (key: string): boolean => {
    const state = keys[key];
    return observed.get(key)?.outcome === 'fail' || state?.status === 'firing' || state?.flapping === true;
  };

  const events: AlertEvent[] = [];
  const suppressed: Evaluation['suppressed'] = [];
  for (const observation of observed.values()) {
    const state = keys[observation.key]!;
    if (observation.outcome === 'skip') continue;
    const target: KeyState['announced'] = state.flapping ? 'flapping' : state.status;
    const due =
      target !== state.announced
        ? changeFor(state.announced, target)
        : target !== 'ok' &&
            config.reminderInterval > 0 &&
            now.getTime() - Date.parse(state.announcedAt ?? state.since) >= config.reminderInterval
          ? 'reminder'
          : undefined;
    if (!due) continue;
    const ack = ackActive(state.ack, now) ? state.ack : undefined;
    // someone is working on it: the state changes are still told, the reminders are not
    if (due === 'reminder' && ack) {
      suppressed.push({
        key: observation.key,
        by: `acknowledged by ${ack.by}${ack.until === 'resolved' ? ' until it resolves' : ` until ${ack.until}`}`,
      });
      continue;
    }
    const inhibitor = observation.inhibitedBy.find(inhibiting);
    const muted = inhibitor ? `inhibited by ${inhibitor}` : muteReason(config, observation.key, now);
    if (muted) {
      suppressed.push({ key: observation.key, by: muted });
      continue;
    }
    events.push({
      key: observation.key,
      group: state.group,
      category: state.category,
      label: state.label,
      change: due,
      at,
      since: state.since,
      reason: reasonFor(state, due, state.announced, config),
      detail: due === 'resolved' ? undefined : state.detail,
      verdict: state.verdict,
      // the diagnosis is this run's: a recovery has none, a reminder gets the current one
      ...(due !== 'resolved' && observation.cause ? { cause: observation.cause } : {}),
      ...(due !== 'resolved' && observation.action ? { action: observation.action } : {}),
      ...(ack ? { ack } : {}),
    });
    keys[observation.key] = { ...state, announced: target, announcedAt: at };
  }
  // an acknowledgement belongs to one incident: it ends when the key is whole again (or its time is up)
  for (const [name, state] of Object.entries(keys)) {
    if (state.ack && (!ackActive(state.ack, now) || (state.status === 'ok' && !state.flapping))) {
      const { ack: _ack, ...rest } = state;
      keys[name] = rest;
    }
  }
  return { state: { ...previous, keys }, events, suppressed };
};
