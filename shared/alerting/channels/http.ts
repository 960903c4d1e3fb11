import type { HttpRequest, SendDeps } from './types.ts';

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

export const shortText = (text: string): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_ANSWER ? `${flat.slice(0, MAX_ANSWER)}…` : flat;
};

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
