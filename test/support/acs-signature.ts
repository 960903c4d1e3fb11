import { createHash, createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

// Alibaba Cloud's request signatures, recomputed from the bytes a fake received, independently of the SDK:
// the loopback OpenAPI (fake-openapi.ts) and FC data plane (fake-fc.ts) both check requests with these.

/** RFC 3986: unreserved characters stay, everything else is %XX with upper-case hex (both signature versions). */
export const percentEncode = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * Query or form text into ordered pairs, each split at its first "=": a value may hold "=" itself (a NextToken,
 * a base64 qualifier), and splitting at every "=" would cut it off and break the signature check.
 */
export const decodePairs = (text: string): Array<[string, string]> =>
  text
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const at = pair.indexOf('=');
      const [k, v] = at < 0 ? [pair, ''] : [pair.slice(0, at), pair.slice(at + 1)];
      const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, '%20'));
      return [decode(k), decode(v)];
    });

/** Pairs re-encoded and sorted by name, then value: the canonical query of both signatures. */
export const sortedCanonical = (pairs: Array<[string, string]>): string =>
  pairs
    .map(([k, v]) => [percentEncode(k), percentEncode(v)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');

/**
 * Signature V3 (ACS3-HMAC-SHA256): CanonicalRequest = METHOD\nURI\ncanonical query\ncanonical headers\nsigned
 * headers\nhex(sha256(body)); StringToSign = "ACS3-HMAC-SHA256\n" + hex(sha256(CanonicalRequest)).
 */
export const acs3StringToSign = (
  method: string,
  rawUrl: string,
  headers: IncomingHttpHeaders,
  signedHeaders: string[],
  hashedPayload: string,
): { canonicalRequest: string; stringToSign: string } => {
  const at = rawUrl.indexOf('?');
  const path = at < 0 ? rawUrl : rawUrl.slice(0, at);
  const query = at < 0 ? '' : rawUrl.slice(at + 1);
  const canonicalHeaders = signedHeaders
    .map((name) => `${name}:${String(headers[name] ?? '').trim()}\n`)
    .join('');
  const canonicalRequest = [
    method,
    path,
    sortedCanonical(decodePairs(query)),
    canonicalHeaders,
    signedHeaders.join(';'),
    hashedPayload,
  ].join('\n');
  return {
    canonicalRequest,
    stringToSign: `ACS3-HMAC-SHA256\n${createHash('sha256').update(canonicalRequest).digest('hex')}`,
  };
};

/** Signature = hex(hmac-sha256(secret, StringToSign)). */
export const acs3Signature = (stringToSign: string, secret: string): string =>
  createHmac('sha256', secret).update(stringToSign).digest('hex');

/**
 * RPC signature 1.0 (HMAC-SHA1): StringToSign = METHOD&%2F&percentEncode(sorted, encoded parameters of query
 * and form body, without Signature); Signature = base64(hmac-sha1(secret + "&", StringToSign)).
 */
export const rpcV1Signature = (method: string, params: Array<[string, string]>, secret: string): string => {
  const canonical = sortedCanonical(params.filter(([k]) => k !== 'Signature'));
  const stringToSign = `${method}&${percentEncode('/')}&${percentEncode(canonical)}`;
  return createHmac('sha1', `${secret}&`).update(stringToSign).digest('base64');
};
