import { z } from 'zod';
import { ChannelKind } from './channels/index.ts';

const Iso = z.iso.datetime();

export const NoticeOutcome = z.strictObject({
  channel: z.string(),
  kind: ChannelKind,
  title: z.string(),
  delivered: z.boolean(),
  /** Tries so far for the oldest notice in this message, this one included. */
  attempts: z.number().int(),
  /** Notices combined into this message (a backlog from a channel that was down goes out as one). */
  merged: z.number().int(),
  error: z.string().optional(),
  /** When delivery was deferred (backoff or rate limit), the earliest next try. */
  nextAttemptAt: Iso.optional(),
});
export type NoticeOutcome = z.infer<typeof NoticeOutcome>;

export const AlertOutcome = z.strictObject({
  fired: z.array(z.string()),
  resolved: z.array(z.string()),
  flapping: z.array(z.string()),
  reminded: z.array(z.string()),
  /** Keys whose change was not announced, and why (silence, maintenance, inhibited by ...). */
  suppressed: z.array(z.strictObject({ key: z.string(), by: z.string() })),
  notices: z.array(NoticeOutcome),
  outboxPending: z.number().int(),
  stateNote: z.string().optional(),
});
export type AlertOutcome = z.infer<typeof AlertOutcome>;
