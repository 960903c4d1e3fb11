import type { z } from 'zod';
import type { Notice } from '../model.ts';

/** A rendered request, complete and signed: golden tests compare it byte for byte. */
export type HttpRequest = {
  method: 'POST';
  url: string;
  headers: Record<string, string>;
  body: string;
};

export type RenderContext = {
  /** Signing time (DingTalk and Feishu reject signatures older than an hour; webhook receivers check freshness). */
  now: Date;
};

export type SendDeps = {
  fetch: typeof globalThis.fetch;
  timeoutMs: number;
};

/** The channel's answer. Not accepted = stays in the outbox. */
export type Delivery = {
  accepted: boolean;
  /** A short account of what the channel said, e.g. "errcode 0 ok" or "HTTP 500". Never holds a secret. */
  answer: string;
  /** The vendor asked us to slow down (DingTalk 130101): wait at least this long before the next try. */
  retryAfterMs?: number;
};

/** Vendor send limits, as data. */
export type RateLimit = { max: number; perMs: number };

/** Any channel config: every channel's schema has a literal `kind`. */
export type ChannelSchema = z.ZodType<{ kind: string }>;

/** What delivery needs of a channel: a pure request builder (golden tested byte for byte) and a thin send. */
export type ChannelDriver<C> = {
  render(notice: Notice, channel: C, context: RenderContext): HttpRequest;
  send(request: HttpRequest, deps: SendDeps): Promise<Delivery>;
  /** Where it goes, for output: the host only (the path and query often hold the token). */
  describe(channel: C): string;
  /** Values that must never appear in output, logs or state. */
  secrets(channel: C): string[];
  rateLimit?: RateLimit;
};

/** Everything about one kind of channel, in its own file: its config schema and its driver. */
export type ChannelDefinition<S extends ChannelSchema> = ChannelDriver<z.infer<S>> & { schema: S };
