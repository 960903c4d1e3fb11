import { createHash } from 'node:crypto';
import { formatTime } from '../util/time.ts';
import { NETWORK_KEY } from './keys.ts';
import type { AlertEvent, Change, Notice } from './model.ts';

/** One message per run: every event of the run, whatever its key. The id is derived, so replays are recognisable. */
export const buildNotice = (
  events: readonly AlertEvent[],
  options: { now: Date; source: string; timezone: string; kind?: Notice['kind'] },
): Notice => {
  const createdAt = options.now.toISOString();
  const digest = createHash('sha256')
    .update(createdAt)
    .update(events.map((event) => `${event.key}|${event.change}`).join('\n'))
    .digest('hex')
    .slice(0, 12);
  return {
    id: `${createdAt.replace(/[-:.]/g, '').slice(0, 15)}-${digest}`,
    kind: options.kind ?? 'alert',
    source: options.source,
    createdAt,
    timezone: options.timezone,
    events: [...events],
  };
};

/** A backlog (a channel that was down) goes out as one message, oldest events first. */
export const mergeNotices = (notices: readonly Notice[]): Notice => {
  const [first, ...rest] = notices;
  if (!first) throw new Error('mergeNotices needs at least one notice');
  if (rest.length === 0) return first;
  const last = rest.at(-1)!;
  const dropped = notices.reduce((sum, notice) => sum + (notice.droppedBefore ?? 0), 0);
  return {
    ...last,
    id: `${first.id}..${last.id}`,
    kind: notices.every((notice) => notice.kind === 'test') ? 'test' : 'alert',
    events: notices.flatMap((notice) => notice.events),
    ...(dropped > 0 ? { droppedBefore: dropped } : {}),
  };
};

export type Status = 'firing' | 'resolved' | 'test';

export type ComposedCategory = { name: string; verdict?: string; events: AlertEvent[] };
export type ComposedGroup = { name: string; categories: ComposedCategory[] };

/** What every channel renders: a title and the events grouped by region, then category. */
export type Composed = {
  title: string;
  status: Status;
  firing: number;
  resolved: number;
  groups: ComposedGroup[];
  notice: Notice;
};

const isProblem = (change: Change): boolean => change !== 'resolved';

const groupEvents = (events: readonly AlertEvent[]): ComposedGroup[] => {
  const groups: ComposedGroup[] = [];
  for (const event of events) {
    let group = groups.find((g) => g.name === event.group);
    if (!group) {
      group = { name: event.group, categories: [] };
      groups.push(group);
    }
    let category = group.categories.find((c) => c.name === event.category);
    if (!category) {
      category = { name: event.category, events: [] };
      group.categories.push(category);
    }
    category.events.push(event);
    // the latest verdict wins in a merged backlog
    if (event.verdict) category.verdict = event.verdict;
  }
  return groups;
};

export const compose = (notice: Notice): Composed => {
  const groups = groupEvents(notice.events);
  // In a merged backlog a key may fire and resolve; count each key by its last event.
  const latest = new Map<string, AlertEvent>();
  for (const event of notice.events) latest.set(event.key, event);
  const firing = [...latest.values()].filter((event) => isProblem(event.change)).length;
  const resolved = latest.size - firing;
  const where = groups.length > 0 && groups.length <= 2 ? ` ${groups.map((g) => g.name).join(', ')}` : '';
  const networkEvent = latest.get(NETWORK_KEY);
  let status: Status;
  let title: string;
  if (notice.kind === 'test') {
    status = 'test';
    title = `[TEST] ${notice.source}: test notice`;
  } else if (networkEvent && isProblem(networkEvent.change)) {
    status = 'firing';
    title = `[FIRING] ${notice.source}: monitor lost its network`;
  } else if (firing > 0) {
    status = 'firing';
    title = `[FIRING] ${notice.source}${where}: ${firing} failing${resolved > 0 ? `, ${resolved} resolved` : ''}`;
  } else {
    status = 'resolved';
    title =
      networkEvent && latest.size === 1
        ? `[Resolved] ${notice.source}: monitor network is back`
        : `[Resolved] ${notice.source}${where}: ${resolved} recovered`;
  }
  return { title, status, firing, resolved, groups, notice };
};

const CHANGE_LABEL: Record<Change, string> = {
  firing: 'FIRING',
  resolved: 'RESOLVED',
  flapping: 'FLAPPING',
  reminder: 'STILL FIRING',
};

export const describeEvent = (event: AlertEvent, timezone: string): string => {
  const parts = [event.detail, event.reason].filter((part): part is string => Boolean(part));
  const when =
    event.change === 'resolved'
      ? `ok since ${formatTime(event.since, timezone)}`
      : `since ${formatTime(event.since, timezone)}`;
  return `${CHANGE_LABEL[event.change]} ${event.label}${parts.length ? ` — ${parts.join('; ')}` : ''} (${when})`;
};

/**
 * The shared markdown body (DingTalk, Feishu and WeCom all read this subset: headings, bold, lists).
 * `heading` puts the title on top, for channels whose markdown has no separate title field in view.
 */
export const markdownBody = (composed: Composed, options: { heading: boolean }): string[] => {
  const { notice } = composed;
  const lines: string[] = [];
  if (options.heading) lines.push(`### ${composed.title}`, '');
  if (notice.kind === 'test') {
    lines.push(
      `This is a test notice from ${notice.source} at ${formatTime(notice.createdAt, notice.timezone)}.`,
      '',
      'If you can read this, the channel works.',
    );
  }
  for (const group of composed.groups) {
    lines.push(`**${group.name}**`, '');
    for (const category of group.categories) {
      lines.push(`- ${category.name}${category.verdict ? ` (${category.verdict})` : ''}`);
      for (const event of category.events) lines.push(`  - ${describeEvent(event, notice.timezone)}`);
    }
    lines.push('');
  }
  if (notice.droppedBefore) {
    lines.push(
      `(${notice.droppedBefore} older notices could not be delivered while this channel was failing and were dropped from the outbox)`,
      '',
    );
  }
  lines.push(`${notice.source} · ${formatTime(notice.createdAt, notice.timezone)} · ${notice.id}`);
  return lines;
};

/** Cuts text to a byte budget on a character boundary, saying so, for vendors with a size limit. */
export const truncateBytes = (text: string, maxBytes: number): string => {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const marker = '\n… (truncated)';
  const room = maxBytes - Buffer.byteLength(marker);
  // a cut inside a multi-byte character decodes to U+FFFD: drop it
  const cut = Buffer.from(text)
    .subarray(0, room)
    .toString('utf8')
    .replace(/\uFFFD+$/, '');
  return cut + marker;
};
