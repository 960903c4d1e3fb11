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
  /** One deadline for the whole exchange: connect, request, status line and the body of the answer. */
  timeoutMs: number;
  /** The run's own stop (a signal, the function's budget): the send ends at once, as a failed try. */
  signal?: AbortSignal;
};

/**
 * Why a channel did not accept, which decides what happens next:
 * - `transient`: the network, a 5xx, a timeout, a vendor "busy": tried again within the run, then across runs;
 * - `throttled`: the vendor asked us to slow down (429, DingTalk 130101): wait `retryAfterMs`;
 * - `refused`: an answer that is neither a yes nor a known refusal (an unknown vendor code, a page from a
 *   proxy): tried again on later runs with backoff, not within this one;
 * - `permanent`: only a person can fix it (bad token or signature, a 4xx, a vendor code documented as such):
 *   the channel is marked broken, the run is not ok, and the other channels are told.
 */
export type FailureKind = 'transient' | 'throttled' | 'refused' | 'permanent';

/** The channel's answer. Not accepted = stays in the outbox. */
export type Delivery = {
  accepted: boolean;
  /** A short account of what the channel said, e.g. "errcode 0 ok" or "HTTP 500". Never holds a secret. */
  answer: string;
  /** Set when not accepted. */
  failure?: FailureKind;
  /**
   * Not accepted, yet the receiver may have acted on it (no answer in time, a 5xx, an answer cut short): the
   * message is then sent again exactly as it was, with the same id, so the receiver can drop the repeat.
   * False when the request never arrived (connection refused) or was refused outright.
   */
  maybeTaken?: boolean;
  /** The vendor asked us to slow down (DingTalk 130101, HTTP 429 Retry-After): wait at least this long. */
  retryAfterMs?: number;
  /** For a permanent failure: what a person has to change. */
  fix?: string;
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
