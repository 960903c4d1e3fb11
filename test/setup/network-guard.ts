// The network rule, enforced: in unit and integration tests every TCP connection must go to loopback.
// A catalog address (100.x, 47.x, 39.x, 10.x ...) dialled from the host network fails the test at once,
// before a packet leaves. (The e2e suite runs its traffic inside network namespaces it builds, in child
// processes, and has its own config.)
import { isIP, Socket } from 'node:net';

const LOOPBACK_NAMES = new Set(['localhost', 'ip6-localhost']);

const isLoopback = (host: string): boolean => {
  const kind = isIP(host);
  if (kind === 4) return host.startsWith('127.');
  if (kind === 6) return host === '::1' || host.startsWith('::ffff:127.');
  return LOOPBACK_NAMES.has(host.toLowerCase());
};

type ConnectArgs = Parameters<Socket['connect']>;
const original = Socket.prototype.connect;

Socket.prototype.connect = function guardedConnect(this: Socket, ...args: ConnectArgs) {
  // net.connect() hands the socket its already-normalized arguments as one array
  const [first, second] = (Array.isArray(args[0]) ? args[0] : args) as unknown[];
  const options =
    typeof first === 'object' && first !== null && !Array.isArray(first)
      ? (first as { host?: string; path?: string; lookup?: unknown })
      : typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))
        ? { host: typeof second === 'string' ? second : 'localhost' }
        : { path: String(first) };
  // unix sockets and names resolved by an injected resolver never reach the network
  if (options.path === undefined && options.lookup === undefined) {
    const host = options.host ?? 'localhost';
    if (!isLoopback(host)) {
      throw new Error(`network rule: a test tried to connect to ${host}; tests may only reach loopback`);
    }
  }
  return original.apply(this, args);
} as Socket['connect'];
