import type { IncomingHttpHeaders } from 'node:http';
import { Agent, request } from 'node:https';
import type { ResolvedTls } from './tls.ts';

/**
 * `fetch` for the HTTPS side with the run's TLS settings (CA, client certificate, server name, verification).
 * Node's global fetch takes no TLS options, and the `undici` package that would (an Agent as `dispatcher`) weighs
 * more than this whole adapter in the FC bundle; node:https does it with one Agent per run. Failures are shaped
 * like fetch's (a TypeError "fetch failed" with the OS or TLS error as `cause`, AbortError on the signal), so
 * the caller classifies both transports the same way.
 */
export const createHttpsFetch = (tls: ResolvedTls): { fetch: typeof fetch; close(): void } => {
  const agent = new Agent({
    keepAlive: true,
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls.cert === undefined ? {} : { cert: tls.cert }),
    ...(tls.key === undefined ? {} : { key: tls.key }),
    ...(tls.servername === undefined ? {} : { servername: tls.servername }),
    rejectUnauthorized: tls.verify,
  });
  const httpsFetch = (input: Parameters<typeof fetch>[0], init: RequestInit = {}): Promise<Response> =>
    new Promise((resolve, reject) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const headers = Object.fromEntries(new Headers(init.headers).entries());
      const body =
        typeof init.body === 'string' ? init.body : init.body == null ? undefined : String(init.body);
      if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
      const fail = (error: Error) =>
        reject(error.name === 'AbortError' ? error : new TypeError('fetch failed', { cause: error }));
      const req = request(
        url,
        {
          method: init.method ?? 'GET',
          headers,
          agent,
          ...(tls.servername === undefined ? {} : { servername: tls.servername }),
          ...(init.signal ? { signal: init.signal } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', fail);
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const noBody = status === 204 || status === 205 || status === 304;
            resolve(
              new Response(noBody ? null : Buffer.concat(chunks), {
                status,
                statusText: res.statusMessage ?? '',
                headers: toHeaders(res.headers),
              }),
            );
          });
        },
      );
      req.on('error', fail);
      req.end(body);
    });
  return { fetch: httpsFetch as typeof fetch, close: () => agent.destroy() };
};

const toHeaders = (incoming: IncomingHttpHeaders): Headers => {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  return headers;
};
