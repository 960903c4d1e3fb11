import { excerpt } from '../../util/format.ts';
import type { Delivery, HttpRequest, SendDeps } from './types.ts';

export type HttpAnswer =
  | { ok: true; status: number; headers: Headers; text: string }
  | { ok: false; error: string };

const MAX_ANSWER = 300;

/** POSTs a rendered request; a network failure is data (the outbox retries it), not an exception. */
export const post = async (request: HttpRequest, deps: SendDeps): Promise<HttpAnswer> => {
  try {
    const response = await deps.fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(deps.timeoutMs),
      redirect: 'error',
    });
    const text = await response.text();
    return { ok: true, status: response.status, headers: response.headers, text: text.slice(0, 4096) };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const name = (error as Error).name;
    if (name === 'TimeoutError') return { ok: false, error: `no answer within ${deps.timeoutMs} ms` };
    return { ok: false, error: cause?.code ?? cause?.message ?? (error as Error).message };
  }
};

export const shortText = (text: string): string => excerpt(text, MAX_ANSWER);

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

/**
 * DingTalk and WeCom answer `{errcode, errmsg}`, often with HTTP 200 even when they refuse: only errcode 0
 * means accepted. `throttled` is the vendor's "sent too fast" code and how long to wait before the next try.
 */
export const sendForErrcode = async (
  request: HttpRequest,
  deps: SendDeps,
  policy: { meanings: Record<number, string>; throttled: { errcode: number; retryAfterMs: number } },
): Promise<Delivery> => {
  const answer = await post(request, deps);
  if (!answer.ok) return { accepted: false, answer: answer.error };
  const body = jsonBody(answer.text);
  const errcode = typeof body?.errcode === 'number' ? body.errcode : undefined;
  if (answer.status < 200 || answer.status > 299 || errcode === undefined) {
    return { accepted: false, answer: `HTTP ${answer.status} ${shortText(answer.text)}`.trim() };
  }
  const said = `errcode ${errcode} ${typeof body?.errmsg === 'string' ? body.errmsg : ''}`.trim();
  if (errcode === 0) return { accepted: true, answer: said };
  const meaning = policy.meanings[errcode];
  return {
    accepted: false,
    answer: meaning ? `${said} (${meaning})` : said,
    ...(errcode === policy.throttled.errcode ? { retryAfterMs: policy.throttled.retryAfterMs } : {}),
  };
};
