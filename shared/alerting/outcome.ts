import { z } from 'zod';
import { ChannelKind } from './channels/index.ts';

const Iso = z.iso.datetime();

export const NoticeOutcome = z.strictObject({
  channel: z.string(),
  kind: ChannelKind,
  /** The message id (the x-mse-watch-id of a webhook): the same on every try of the same message. */
  id: z.string(),
  title: z.string(),
  delivered: z.boolean(),
  /** Tries so far for the oldest notice in this message, this run's included. */
  attempts: z.number().int(),
  /** Tries in this run (0: not due, or no time left). */
  tries: z.number().int(),
  /** Notices combined into this message (a backlog from a channel that was down goes out as one). */
  merged: z.number().int(),
  error: z.string().optional(),
  /** Why the last try failed: transient, throttled, refused or permanent (the channel is then broken). */
  failure: z.enum(['transient', 'throttled', 'refused', 'permanent']).optional(),
  /** When delivery was deferred (backoff or rate limit), the earliest next try. */
  nextAttemptAt: Iso.optional(),
  /** The run itself ended this message's tries: its signal, or its time budget. Tried again next run, no backoff. */
  stoppedBy: z.string().optional(),
});
export type NoticeOutcome = z.infer<typeof NoticeOutcome>;

export const AlertOutcome = z.strictObject({
  /**
   * False when alerting itself is impaired: a channel refuses with a permanent error, the state cannot be used or
   * saved, or the run stopped before delivery was tried. A run is not ok then (CLI exit 1, function `ok: false`).
   */
  ok: z.boolean(),
  /** One line per impairment, each saying what to do. */
  problems: z.array(z.string()),
  fired: z.array(z.string()),
  resolved: z.array(z.string()),
  flapping: z.array(z.string()),
  reminded: z.array(z.string()),
  /** Keys whose change was not announced, and why (silence, maintenance, inhibited by ...). */
  suppressed: z.array(z.strictObject({ key: z.string(), by: z.string() })),
  notices: z.array(NoticeOutcome),
  outboxPending: z.number().int(),
  /** Channels refusing with a permanent error (see problems). */
  brokenChannels: z.array(z.string()),
  stateNote: z.string().optional(),
});
export type AlertOutcome = z.infer<typeof AlertOutcome>;

/** An outcome with nothing fired, sent or pending: what a run that did not get to alerting reports, with why. */
export const quietOutcome = (
  fields: Partial<AlertOutcome> & Pick<AlertOutcome, 'ok' | 'problems'>,
): AlertOutcome =>
  AlertOutcome.parse({
    fired: [],
    resolved: [],
    flapping: [],
    reminded: [],
    suppressed: [],
    notices: [],
    outboxPending: 0,
    brokenChannels: [],
    ...fields,
  });
