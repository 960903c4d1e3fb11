import { createHash } from 'node:crypto';
import { formatPercent, humanDuration } from '../history/format.ts';
import { formatTime } from '../util/time.ts';
import { CHANNEL_KEY_PREFIX, NETWORK_KEY } from './keys.ts';
import type { AlertEvent, Change, Notice } from './model.ts';

export type NoticeOptions = {
  now: Date;
  source: string;
  timezone: string;
  kind?: Notice['kind'];
  /** Where the run saw it from (host, or function and region). */
  vantage?: string;
  /** The simulation note when the run probed stand-ins instead of the real addresses. */
  simulation?: string;
};

/**
 * One message per run: every event of the run, whatever its key. The id is derived from the run's time and its
 * events, once, when the notice is queued: every later try, and any message that carries it, keeps it.
 */
export const buildNotice = (events: readonly AlertEvent[], options: NoticeOptions): Notice => {
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
    ...(options.vantage ? { vantage: options.vantage } : {}),
    ...(options.simulation ? { simulation: options.simulation } : {}),
  };
};

/**
 * A backlog (a channel that was down) goes out as one message, oldest events first. Its id names the first and
 * the last notice it carries (`<first>..<last>`); the outbox fixes which notices a message carries before it
 * is first tried, so a retried message always has the same id and the same content.
 */
export const mergeNotices = (notices: readonly Notice[]): Notice => {
  const [first, ...rest] = notices;
  if (!first) throw new Error('mergeNotices needs at least one notice');
  if (rest.length === 0) return first;
  const last = rest.at(-1)!;
  const dropped = notices.reduce((sum, notice) => sum + (notice.droppedBefore ?? 0), 0);
  const simulated = notices.find((notice) => notice.simulation !== undefined)?.simulation;
  return {
    ...last,
    id: `${first.id}..${last.id}`,
    notices: notices.flatMap((notice) => notice.notices ?? [notice.id]),
    kind: notices.every((notice) => notice.kind === 'test') ? 'test' : 'alert',
    events: notices.flatMap((notice) => notice.events),
    ...(dropped > 0 ? { droppedBefore: dropped } : {}),
    ...(simulated ? { simulation: simulated } : {}),
  };
};

export type Status = 'firing' | 'resolved' | 'test' | 'digest';

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
  // a simulated run must never read like a real page, not even in a notification preview
  const source = notice.simulation ? `[SIMULATION] ${notice.source}` : notice.source;
  let status: Status;
  let title: string;
  if (notice.kind === 'digest') {
    status = 'digest';
    title = `[DIGEST] ${source}: ${digestHeadline(notice)}`;
  } else if (notice.kind === 'test') {
    status = 'test';
    title = `[TEST] ${source}: test notice`;
  } else if (networkEvent && isProblem(networkEvent.change)) {
    status = 'firing';
    title = `[FIRING] ${source}: monitor lost its network`;
  } else if (latest.size > 0 && [...latest.keys()].every((key) => key.startsWith(CHANNEL_KEY_PREFIX))) {
    // only news about the alert channels themselves
    const broken = [...latest.values()]
      .filter((event) => isProblem(event.change))
      .map((event) => event.label);
    const back = [...latest.values()].filter((event) => !isProblem(event.change)).map((event) => event.label);
    status = broken.length > 0 ? 'firing' : 'resolved';
    title =
      broken.length > 0
        ? `[FIRING] ${source}: alert channel ${broken.join(', ')} refuses notices`
        : `[Resolved] ${source}: alert channel ${back.join(', ')} works again`;
  } else if (firing > 0) {
    status = 'firing';
    title = `[FIRING] ${source}${where}: ${firing} failing${resolved > 0 ? `, ${resolved} resolved` : ''}`;
  } else {
    status = 'resolved';
    title =
      networkEvent && latest.size === 1
        ? `[Resolved] ${source}: monitor network is back`
        : `[Resolved] ${source}${where}: ${resolved} recovered`;
  }
  return { title, status, firing, resolved, groups, notice };
};

const ratio = (up: number, observed: number): number | null => (observed === 0 ? null : up / observed);

const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

/** "last 24h: 99.93 % of runs fine, 2 incidents (1 ongoing)", over every region of the digest. */
const digestHeadline = (notice: Notice): string => {
  const regions = notice.digest?.regions ?? [];
  if (regions.length === 0) return 'last 24h: no runs recorded';
  const up = regions.reduce((sum, region) => sum + region.up, 0);
  const observed = regions.reduce((sum, region) => sum + region.observed, 0);
  const incidents = regions.reduce((sum, region) => sum + region.incidents.length + region.moreIncidents, 0);
  const ongoing = regions.reduce((sum, region) => sum + region.ongoing, 0);
  return `last 24h: ${formatPercent(ratio(up, observed))} of runs fine, ${plural(incidents, 'incident')}${ongoing > 0 ? ` (${ongoing} ongoing)` : ''}`;
};

/** " · acknowledged by alice at 2026-11-21 12:05:00 UTC (until it resolves): on it" */
const ackText = (event: AlertEvent, timezone: string): string => {
  const ack = event.ack;
  if (!ack) return '';
  const until =
    ack.until === 'resolved' ? 'until it resolves' : `reminders off until ${formatTime(ack.until, timezone)}`;
  return ` · acknowledged by ${ack.by} at ${formatTime(ack.at, timezone)} (${until})${ack.comment ? `: ${ack.comment}` : ''}`;
};

const CHANGE_LABEL: Record<Change, string> = {
  firing: 'FIRING',
  resolved: 'RESOLVED',
  flapping: 'FLAPPING',
  reminder: 'STILL FIRING',
};

/** "FIRING 100.100.27.5:8848: timeout: connect ETIMEDOUT; 2 consecutive failed runs (since ...)". */
export const describeEvent = (
  event: AlertEvent,
  timezone: string,
  options: { bold?: boolean } = {},
): string => {
  const parts = [event.detail, event.reason].filter((part): part is string => Boolean(part));
  const when =
    event.change === 'resolved'
      ? `ok since ${formatTime(event.since, timezone)}`
      : `since ${formatTime(event.since, timezone)}`;
  const label = options.bold ? `**${CHANGE_LABEL[event.change]}**` : CHANGE_LABEL[event.change];
  return `${label} ${event.label}${parts.length ? `: ${parts.join('; ')}` : ''} (${when})${ackText(event, timezone)}`;
};

/** The diagnoses of a category's failing events, each once, in order: one root cause is said once. */
const diagnoses = (events: readonly AlertEvent[]): Array<{ cause?: string; action?: string }> => {
  const seen = new Set<string>();
  const out: Array<{ cause?: string; action?: string }> = [];
  for (const event of events) {
    if (event.change === 'resolved' || (!event.cause && !event.action)) continue;
    const key = `${event.cause ?? ''}\u0000${event.action ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      ...(event.cause ? { cause: event.cause } : {}),
      ...(event.action ? { action: event.action } : {}),
    });
  }
  return out;
};

export type MarkdownOptions = {
  /** The title on top, for channels whose markdown has no separate title field in view (DingTalk, WeCom). */
  heading: boolean;
  /** Cause and action as block quotes (DingTalk, WeCom); Feishu card markdown has none, so plain paragraphs. */
  quote: boolean;
};

/**
 * The shared markdown body, in the subset DingTalk, Feishu and WeCom all render: one bold line per region (or
 * Nacos server) and category, one flat list item per change (DingTalk draws no nested lists), then the cause
 * and the action of that category's failures, and at the end where the run was seen from, when and the id.
 * Paragraphs are separated by a blank line; list items by one line break.
 */
export const markdownBody = (composed: Composed, options: MarkdownOptions): string[] => {
  const { notice } = composed;
  const lines: string[] = [];
  if (options.heading) lines.push(`### ${composed.title}`, '');
  if (notice.simulation) {
    lines.push(
      `**SIMULATION**: ${notice.simulation}. The addresses below were stand-ins; this says nothing about the real network.`,
      '',
    );
  }
  if (notice.kind === 'test') {
    lines.push(
      `This is a test notice from ${notice.source} at ${formatTime(notice.createdAt, notice.timezone)}.`,
      '',
      'If you can read this, the channel works.',
      '',
    );
  }
  if (notice.kind === 'digest' && notice.digest) lines.push(...digestLines(notice, options));
  for (const group of composed.groups) {
    for (const category of group.categories) {
      lines.push(
        `**${group.name}** · ${category.name}${category.verdict ? ` (${category.verdict})` : ''}`,
        '',
      );
      for (const event of category.events)
        lines.push(`- ${describeEvent(event, notice.timezone, { bold: true })}`);
      lines.push('');
      for (const diagnosis of diagnoses(category.events)) {
        const prefix = options.quote ? '> ' : '';
        if (diagnosis.cause) lines.push(`${prefix}**Cause:** ${diagnosis.cause}`, '');
        if (diagnosis.action) lines.push(`${prefix}**Action:** ${diagnosis.action}`, '');
      }
    }
  }
  if (notice.droppedBefore) {
    lines.push(
      `(${notice.droppedBefore} older notices could not be delivered while this channel was failing and were dropped from the outbox)`,
      '',
    );
  }
  const footer = [
    ...(notice.vantage ? [`Seen from ${notice.vantage}`] : []),
    notice.source,
    formatTime(notice.createdAt, notice.timezone),
    notice.id,
  ];
  lines.push(footer.join(' · '));
  return lines;
};

/**
 * A digest's body, in the same markdown subset: per region one bold line with the day's uptime, the categories
 * below 100 % and every incident of the day as a flat list, then what is acknowledged and silenced right now.
 */
const digestLines = (notice: Notice, options: MarkdownOptions): string[] => {
  const digest = notice.digest!;
  const zone = notice.timezone;
  const lines: string[] = [`From ${formatTime(digest.from, zone)} to ${formatTime(digest.to, zone)}.`, ''];
  if (digest.note)
    lines.push(
      digest.note.replace(/^./, (c) => c.toUpperCase()),
      '',
    );
  for (const region of digest.regions) {
    const last =
      region.lastRunAt === null
        ? 'no run yet'
        : `last run ${formatTime(region.lastRunAt, zone)}: ${region.ok ? 'OK' : 'NOT OK'}`;
    lines.push(
      `**${region.region}** · ${formatPercent(ratio(region.up, region.observed))} of ${plural(region.runs, 'run')} found everything fine · ${last}`,
      '',
    );
    if (region.simulation) lines.push(`SIMULATION: ${region.simulation}`, '');
    const below = region.categories.filter(
      (category) => category.up < category.observed || category.incidents > 0,
    );
    for (const category of below)
      lines.push(
        `- ${category.category}: ${formatPercent(ratio(category.up, category.observed))} (${category.up}/${category.observed} runs), ${plural(category.incidents, 'incident')}`,
      );
    if (below.length === 0) lines.push('- every category: 100 %');
    lines.push('');
    const total = region.incidents.length + region.moreIncidents;
    if (total === 0) {
      lines.push('No incidents.', '');
      continue;
    }
    const mttr =
      region.mttrMs === null ? '' : `, time to recovery ${humanDuration(region.mttrMs)} on average`;
    lines.push(
      `${options.quote ? '**' : ''}Incidents: ${total}${region.ongoing > 0 ? ` (${region.ongoing} ongoing)` : ''}${mttr}${options.quote ? '**' : ''}`,
      '',
    );
    for (const incident of region.incidents) {
      const end = incident.end === null ? 'ongoing' : formatTime(incident.end, zone);
      const where =
        incident.endpoints.length > 0
          ? `; ${incident.endpoints.join(', ')}${incident.more > 0 ? ` and ${incident.more} more` : ''}`
          : '';
      lines.push(
        `- ${incident.category}: ${formatTime(incident.start, zone)} → ${end} (${humanDuration(incident.durationMs)}), ${incident.cause}${where}`,
      );
    }
    if (region.moreIncidents > 0) lines.push(`- and ${region.moreIncidents} earlier ones`);
    lines.push('');
  }
  if (digest.acks.length > 0) {
    lines.push('Acknowledged now:', '');
    for (const ack of digest.acks)
      lines.push(
        `- ${ack.key} by ${ack.by} since ${formatTime(ack.at, zone)}${ack.comment ? `: ${ack.comment}` : ''}`,
      );
    lines.push('');
  }
  if (digest.silences.length > 0) {
    lines.push('Silenced now:', '');
    for (const silence of digest.silences)
      lines.push(
        `- ${silence.id ? `${silence.id} ` : ''}${silence.match.join(', ')} until ${formatTime(silence.end, zone)}${silence.comment ? `: ${silence.comment}` : ''}`,
      );
    lines.push('');
  }
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
