import { excerpt } from '../../util/format.ts';
import type { HttpAnswer } from '../../util/http.ts';
import type { Delivery, FailureKind, HttpRequest, SendDeps } from './types.ts';

/**
 * What a post came to: the project's one HTTP answer (status, headers, body), or why there is none. `cut` says
 * the body was not read to its end: larger than MAX_ANSWER_BYTES, or the deadline (or the run's signal) came
 * while it was still arriving. The status line is still the receiver's word.
 */
export type PostResult =
  | ({ ok: true; cut?: 'size' | 'deadline' } & HttpAnswer)
  | { ok: false; error: string; reached: boolean };

/** Chat APIs answer in a few hundred bytes; anything past this is not an answer worth holding in memory. */
export const MAX_ANSWER_BYTES = 64 * 1024;
const MAX_SHOWN = 300;
/** A Retry-After beyond this is a misconfigured receiver, not a plan: the outbox backoff takes over. */
export const RETRY_AFTER_CAP_MS = 3_600_000;

/** Errors that mean the request never left this host or never reached a listener: nothing can have been taken. */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

class Deadline extends Error {
  constructor(readonly ms: number) {
    super(`no complete answer within ${ms} ms`);
  }
}
class Stopped extends Error {
  constructor() {
    super('stopped: the run was cut short before an answer came');
  }
}

const describeFailure = (error: unknown): { error: string; reached: boolean } => {
  if (error instanceof Deadline || error instanceof Stopped) return { error: error.message, reached: true };
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code;
  if (code) return { error: code, reached: !NOT_SENT.has(code) };
  return { error: cause?.message ?? (error as Error).message ?? String(error), reached: true };
};

/**
 * POSTs a rendered request under ONE deadline that covers the whole exchange, the body of the answer included,
 * and reads at most MAX_ANSWER_BYTES of that body: a receiver that answers forever costs neither time past the
 * deadline nor memory. A network failure is data (the outbox retries it), never an exception.
 */
export const post = async (request: HttpRequest, deps: SendDeps): Promise<PostResult> => {
  const controller = new AbortController();
  const timeoutMs = Math.max(1, Math.floor(deps.timeoutMs));
  const timer = setTimeout(() => controller.abort(new Deadline(timeoutMs)), timeoutMs);
  const onStop = () => controller.abort(new Stopped());
  if (deps.signal?.aborted) onStop();
  deps.signal?.addEventListener('abort', onStop, { once: true });
  // every await below races this, so no stream that ignores the abort can hold the send past its deadline
  const aborted = new Promise<never>((_, reject) => {
    if (controller.signal.aborted) reject(controller.signal.reason);
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  aborted.catch(() => undefined);
  try {
    let response: Response;
    try {
      response = await Promise.race([
        deps.fetch(request.url, {
          method: request.method,
          headers: request.headers,
          body: request.body,
          signal: controller.signal,
          redirect: 'error',
        }),
        aborted,
      ]);
    } catch (error) {
      return { ok: false, ...describeFailure(error) };
    }
    const reader = response.body?.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    let cut: 'size' | 'deadline' | undefined;
    if (reader) {
      try {
        for (;;) {
          const { done, value } = await Promise.race([reader.read(), aborted]);
          if (done) break;
          const room = MAX_ANSWER_BYTES - size;
          chunks.push(value.length > room ? value.subarray(0, room) : value);
          size += Math.min(value.length, room);
          if (value.length > room) {
            cut = 'size';
            break;
          }
        }
      } catch {
        cut = 'deadline';
      } finally {
        // frees the socket: the rest of an endless answer is never read
        reader.cancel().catch(() => undefined);
        if (cut) controller.abort(new Stopped());
      }
    }
    const body = Buffer.concat(chunks).toString('utf8');
    return { ok: true, status: response.status, headers: response.headers, body, ...(cut ? { cut } : {}) };
  } finally {
    clearTimeout(timer);
    deps.signal?.removeEventListener('abort', onStop);
  }
};

export const shortText = (text: string): string => excerpt(text, MAX_SHOWN);

/** Parses a JSON answer body, or undefined. */
export const jsonBody = (text: string): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

export const hostOf = (url: string): string => {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid url)';
  }
};

/** The chat robots take one JSON document by POST. */
export const jsonPost = (url: string, body: unknown): HttpRequest => ({
  method: 'POST',
  url,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify(body),
});

/** Retry-After as seconds or an HTTP date (RFC 9110 10.2.3), in ms from now; capped; undefined when absent. */
export const retryAfterMs = (headers: Headers, now: number = Date.now()): number | undefined => {
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(ms, 0), RETRY_AFTER_CAP_MS);
};

/** No answer at all (refused, reset, timed out): worth another try; taken only if it may have arrived. */
export const networkFailure = (answer: { error: string; reached: boolean }): Delivery => ({
  accepted: false,
  answer: answer.error,
  failure: 'transient',
  maybeTaken: answer.reached,
});

/**
 * How an HTTP status that is not a success reads, for every channel: 5xx and 408 are the receiver's trouble
 * (try again; a 5xx may have been processed), 429 asks us to wait, any other 4xx is a request the receiver
 * will never take as it is (a person must fix the address, the token or the signature).
 */
export const statusFailure = (
  answer: Extract<PostResult, { ok: true }>,
  said: string,
  now?: number,
): Delivery => {
  const { status } = answer;
  if (status === 429) {
    const wait = retryAfterMs(answer.headers, now);
    return {
      accepted: false,
      answer: said,
      failure: 'throttled',
      maybeTaken: false,
      ...(wait === undefined ? {} : { retryAfterMs: wait }),
    };
  }
  if (status >= 500 || status === 408)
    return { accepted: false, answer: said, failure: 'transient', maybeTaken: status >= 500 };
  if (status >= 400)
    return {
      accepted: false,
      answer: said,
      failure: 'permanent',
      maybeTaken: false,
      fix: `the receiver refuses the request (HTTP ${status}): check the address and its credentials (token, key, headers), then run mse-watch notify test`,
    };
  // 1xx/3xx (redirects are not followed): no answer we can read as a yes
  return { accepted: false, answer: said, failure: 'refused', maybeTaken: true };
};

/** A vendor code and what it means for delivery. */
export type VendorCode = { meaning: string; failure: FailureKind; retryAfterMs?: number; fix?: string };

/** A vendor answered with a code: look it up; an unknown code is a refusal we do not understand (try later). */
export const vendorFailure = (code: number, said: string, codes: Record<number, VendorCode>): Delivery => {
  const known = codes[code];
  const failure: FailureKind = known?.failure ?? 'refused';
  return {
    accepted: false,
    answer: known ? `${said} (${known.meaning})` : said,
    failure,
    // the vendor answered with a refusal: the message was not posted
    maybeTaken: false,
    ...(known?.retryAfterMs === undefined ? {} : { retryAfterMs: known.retryAfterMs }),
    ...(known?.fix === undefined ? {} : { fix: known.fix }),
  };
};

/** A 2xx whose body is not the vendor's envelope (a proxy page, an answer cut short): may or may not be posted. */
const unreadable = (answer: Extract<PostResult, { ok: true }>): Delivery => ({
  accepted: false,
  answer:
    `HTTP ${answer.status} ${answer.cut ? `(answer cut short: ${answer.cut === 'size' ? `over ${MAX_ANSWER_BYTES} bytes` : 'no end in time'}) ` : ''}${shortText(answer.body)}`.trim(),
  failure: 'refused',
  maybeTaken: true,
});

/**
 * DingTalk and WeCom answer `{errcode, errmsg}`, often with HTTP 200 even when they refuse: only errcode 0
 * means accepted; every other code is looked up in the vendor's table.
 */
export const sendForErrcode = async (
  request: HttpRequest,
  deps: SendDeps,
  codes: Record<number, VendorCode>,
): Promise<Delivery> => {
  const answer = await post(request, deps);
  if (!answer.ok) return networkFailure(answer);
  const body = jsonBody(answer.body);
  const errcode = typeof body?.errcode === 'number' ? body.errcode : undefined;
  if (answer.status < 200 || answer.status > 299)
    return statusFailure(answer, `HTTP ${answer.status} ${shortText(answer.body)}`.trim());
  if (errcode === undefined) return unreadable(answer);
  const said = `errcode ${errcode} ${typeof body?.errmsg === 'string' ? shortText(body.errmsg) : ''}`.trim();
  if (errcode === 0) return { accepted: true, answer: said };
  return vendorFailure(errcode, said, codes);
};

/** Feishu answers `{code, msg}` (older bots `{StatusCode, StatusMessage}`); code 0 means accepted. */
export const sendForCode = async (
  request: HttpRequest,
  deps: SendDeps,
  codes: Record<number, VendorCode>,
): Promise<Delivery> => {
  const answer = await post(request, deps);
  if (!answer.ok) return networkFailure(answer);
  const body = jsonBody(answer.body);
  const code =
    typeof body?.code === 'number'
      ? body.code
      : typeof body?.StatusCode === 'number'
        ? body.StatusCode
        : undefined;
  // Feishu answers some refusals with a 4xx and the code in the body (9499 Bad Request): the code says more
  if ((answer.status < 200 || answer.status > 299) && (code === undefined || code === 0))
    return statusFailure(answer, `HTTP ${answer.status} ${shortText(answer.body)}`.trim());
  if (code === undefined) return unreadable(answer);
  const said = `code ${code} ${shortText(String(body?.msg ?? body?.StatusMessage ?? ''))}`.trim();
  if (code === 0) return { accepted: true, answer: said };
  return vendorFailure(code, said, codes);
};
