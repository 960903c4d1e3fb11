import { isIPv4 } from 'node:net';

/** An IPv4 block as numbers: the network address (host bits cleared) and the prefix length. */
export type Cidr = { network: number; prefix: number; text: string };

export const ipv4ToNumber = (ip: string): number =>
  ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);

const maskOf = (prefix: number): number => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

/**
 * "100.100.0.0/16", "0.0.0.0/0", or a bare address (ECS accepts one as a /32). Host bits are cleared, as
 * ECS and VPC do. Undefined for anything else (an IPv6 block, a typo): the caller decides what that means.
 */
export const parseCidr = (text: string): Cidr | undefined => {
  const [ip = '', bits, extra] = text.trim().split('/');
  if (extra !== undefined || !isIPv4(ip)) return undefined;
  const prefix = bits === undefined ? 32 : /^\d{1,2}$/.test(bits) ? Number(bits) : Number.NaN;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) return undefined;
  return { network: (ipv4ToNumber(ip) & maskOf(prefix)) >>> 0, prefix, text: text.trim() };
};

export const cidrContains = (cidr: Cidr, ip: string): boolean =>
  (ipv4ToNumber(ip) & maskOf(cidr.prefix)) >>> 0 === cidr.network;
