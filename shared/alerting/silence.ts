import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone.js';
import utc from 'dayjs/plugin/utc.js';
import { type AlertingConfig, type MaintenanceWindow, type Silence, WEEKDAYS } from './config.ts';

dayjs.extend(utc);
dayjs.extend(timezone);

const escapeRegExp = (text: string): string => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

/** "cn-hangzhou/*" -> /^cn-hangzhou\/.*$/ ; "*" spans "/" so "*:9848" matches every gRPC port. */
export const keyPattern = (pattern: string): RegExp =>
  new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`);

export const matchesKey = (patterns: readonly string[], key: string): boolean =>
  patterns.some((pattern) => keyPattern(pattern).test(key));

const minutesOf = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

/**
 * Whether `now` falls in a recurring window, in the window's own time zone. A window whose end is
 * before its start crosses midnight and belongs to the day it starts on (fri 23:00-02:00 covers Saturday 01:00).
 */
export const inMaintenance = (window: MaintenanceWindow, now: Date): boolean => {
  const local = dayjs(now).tz(window.timezone);
  const minute = local.hour() * 60 + local.minute();
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  const day = (offset: number) => WEEKDAYS[(local.day() + 7 + offset) % 7]!;
  if (start < end) return window.days.includes(day(0)) && minute >= start && minute < end;
  if (minute >= start) return window.days.includes(day(0));
  return minute < end && window.days.includes(day(-1));
};

/** A silence from the config, or one stored by `mse-watch silence add` (which has an id). */
export type AnySilence = Silence & { id?: string };

export const inSilence = (silence: Pick<Silence, 'start' | 'end'>, now: Date): boolean =>
  now.getTime() >= Date.parse(silence.start) && now.getTime() < Date.parse(silence.end);

/** Why announcements for `key` are held right now, or undefined. State is still tracked meanwhile. */
export const muteReason = (
  config: { silences: readonly AnySilence[]; maintenanceWindows: AlertingConfig['maintenanceWindows'] },
  key: string,
  now: Date,
): string | undefined => {
  for (const silence of config.silences) {
    if (inSilence(silence, now) && matchesKey(silence.match, key)) {
      return `silence${silence.id ? ` ${silence.id}` : ''} until ${silence.end}${silence.comment ? ` (${silence.comment})` : ''}`;
    }
  }
  for (const window of config.maintenanceWindows) {
    if (inMaintenance(window, now) && matchesKey(window.match, key)) {
      return `maintenance ${window.start}-${window.end} ${window.timezone}${window.comment ? ` (${window.comment})` : ''}`;
    }
  }
  return undefined;
};
