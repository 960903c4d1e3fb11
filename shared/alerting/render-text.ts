import pc from 'picocolors';
import type { AlertOutcome } from './outcome.ts';

/** What alerting did in this run: notices sent or kept in the outbox, and why some changes stayed quiet. */
export const renderAlertText = (alerts: AlertOutcome, options: { color: boolean }): string => {
  const c = pc.createColors(options.color);
  const out = [c.bold('Alerting')];
  for (const problem of alerts.problems) out.push(c.red(`  PROBLEM: ${problem}`));
  if (alerts.stateNote) out.push(c.yellow(`  ${alerts.stateNote}`));
  const list = (label: string, keys: string[]) => {
    if (keys.length > 0) out.push(`  ${label}: ${keys.join(', ')}`);
  };
  list('fired', alerts.fired);
  list('resolved', alerts.resolved);
  list('flapping', alerts.flapping);
  list('reminded', alerts.reminded);
  for (const s of alerts.suppressed) out.push(c.dim(`  quiet: ${s.key} (${s.by})`));
  for (const notice of alerts.notices) {
    const state = notice.delivered
      ? c.green(`delivered${notice.tries > 1 ? ` on try ${notice.tries}` : ''}`)
      : c.red(
          notice.failure === 'permanent'
            ? 'refused for good, kept in the outbox'
            : 'not delivered, kept in the outbox',
        );
    out.push(`  ${notice.channel}: "${notice.title}" ${state}${notice.error ? ` (${notice.error})` : ''}`);
  }
  if (alerts.notices.length === 0) out.push('  no notice this run');
  if (alerts.outboxPending > 0)
    out.push(c.yellow(`  ${alerts.outboxPending} notice(s) waiting in the outbox for the next run`));
  return `${out.join('\n')}\n`;
};
