import { isIP } from 'node:net';
import { MseWatchError } from '../util/errors.ts';

/** Where `serve` listens by default: loopback only, so the status page is not published by accident. */
export const DEFAULT_LISTEN = { host: '127.0.0.1', port: 9860 } as const;

export type ListenAddress = { host: string; port: number };

export const LISTEN_HINT = 'write HOST:PORT, e.g. 127.0.0.1:9860, 0.0.0.0:9860 or [::1]:9860';

/**
 * `HOST:PORT`, `[IPv6]:PORT`, `:PORT` (every interface) or `PORT` (loopback). Port 0 picks a free port (tests).
 * A host name is refused: an address says exactly which interface is exposed.
 */
export const parseListen = (value: string): ListenAddress => {
  const text = value.trim();
  const fail = (why: string): never => {
    throw new MseWatchError('usage', `--listen "${value}": ${why}; ${LISTEN_HINT}`);
  };
  let host: string;
  let port: string;
  if (/^\d+$/.test(text)) {
    host = DEFAULT_LISTEN.host;
    port = text;
  } else {
    const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]*)):(\d+)$/.exec(text);
    if (!match) return fail('not an address');
    host = match[1] ?? match[2] ?? '';
    port = match[3] ?? '';
    if (host === '') host = '0.0.0.0';
  }
  if (isIP(host) === 0) return fail(`the host "${host}" is not an IP address`);
  const number = Number(port);
  if (!Number.isInteger(number) || number < 0 || number > 65_535) return fail('the port is outside 0-65535');
  return { host, port: number };
};

/** "127.0.0.1:9860", "[::1]:9860". */
export const formatListen = (address: ListenAddress): string =>
  isIP(address.host) === 6 ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
