// Error classification (shared/probes/classify.ts), and what Linux really returns for each firewall and route:
// measured here through the real TCP prober, inside a private network namespace made for the test
// (`unshare --net`), with nft reject rules and route types on its loopback. Nothing leaves the namespace.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { classifyError, unreachableOrigin } from '../../shared/probes/classify.ts';

describe('classifyError: OS codes to failure reasons', () => {
  it.each([
    ['ETIMEDOUT', 'timeout'],
    ['ECONNREFUSED', 'refused'],
    ['ENETUNREACH', 'unreachable'],
    ['EHOSTUNREACH', 'unreachable'],
    ['EACCES', 'unreachable'],
    ['EINVAL', 'unreachable'],
    ['EHOSTDOWN', 'unreachable'],
    ['ECONNRESET', 'reset'],
    ['EPIPE', 'reset'],
    ['ENOTFOUND', 'dns'],
    ['EAI_AGAIN', 'dns'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls'],
    ['CERT_HAS_EXPIRED', 'tls'],
    ['EPERM', 'error'],
  ])('%s → %s', (code, reason) => {
    expect(classifyError(Object.assign(new Error(`connect ${code}`), { code }))).toEqual({ reason, code });
  });
});

describe('unreachableOrigin: no route, an ICMP reject, or a route rule', () => {
  it.each([
    ['ENETUNREACH', 'connect ENETUNREACH 10.1.2.3:8848 - Local (0.0.0.0:0)', 'no-route', true],
    ['ENETUNREACH', 'connect ENETUNREACH 10.1.2.3:8848', 'no-route', false],
    ['EHOSTUNREACH', 'connect EHOSTUNREACH 10.1.2.3:8848', 'icmp-reject', false],
    ['EHOSTUNREACH', 'connect EHOSTUNREACH 10.1.2.3:8848 - Local (0.0.0.0:0)', 'route-rule', true],
    ['EACCES', 'connect EACCES 10.1.2.3:8848 - Local (0.0.0.0:0)', 'route-rule', true],
    ['EINVAL', 'connect EINVAL 10.1.2.3:8848 - Local (0.0.0.0:0)', 'route-rule', true],
    ['ECONNREFUSED', 'connect ECONNREFUSED 10.1.2.3:8848', 'other', false],
    ['ENETUNREACH', 'simulated', 'no-route', undefined],
  ] as const)('%s "%s" → %s', (code, message, kind, local) => {
    expect(unreachableOrigin({ code, message })).toEqual({ kind, local });
  });

  it('no error: other', () => {
    expect(unreachableOrigin(undefined)).toEqual({ kind: 'other', local: undefined });
  });
});

const has = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

/** Why no namespace can be made here, or undefined when one can (root: --net; else a user namespace too). */
const namespaceArgs = ((): string[] | string => {
  if (!has('unshare')) return 'unshare (util-linux) is not installed';
  if (!has('ip') || !has('nft')) return 'ip (iproute2) and nft (nftables) are needed inside the namespace';
  const args = process.getuid?.() === 0 ? ['--net'] : ['--user', '--map-root-user', '--net'];
  return spawnSync('unshare', [...args, 'true']).status === 0
    ? args
    : 'cannot create a network namespace (not root, and user namespaces are disabled)';
})();

// One address per firewall answer, each rejected on port 9848 by an nft rule in the output hook, and one address
// per route type. 198.18.0.0/15 is the benchmarking range: nothing real, and the namespace has no way out anyway.
const REJECTS = {
  '198.18.0.1': 'reject with icmp type admin-prohibited',
  '198.18.0.2': 'reject with icmp type host-prohibited',
  '198.18.0.3': 'reject with icmp type net-prohibited',
  '198.18.0.4': 'reject with icmp type net-unreachable',
  '198.18.0.5': 'reject with icmp type host-unreachable',
  '198.18.0.6': 'reject with icmp type port-unreachable',
  '198.18.0.7': 'reject',
  '198.18.0.8': 'reject with tcp reset',
  '198.18.0.9': 'drop',
} as const;
const ROUTES = { '198.19.0.1': 'unreachable', '198.19.0.2': 'prohibit', '198.19.0.3': 'blackhole' } as const;
const NO_ROUTE = '192.0.2.1';

const setup = [
  // refuse to go on unless this is a private namespace with nothing but its loopback
  '[ "$(ip -o link show | wc -l)" = 1 ] || { echo "refusing: not a private namespace" >&2; exit 99; }',
  'ip link set lo up',
  ...Object.keys(REJECTS).map((ip) => `ip addr add ${ip}/32 dev lo`),
  ...Object.entries(ROUTES).map(([ip, type]) => `ip route add ${type} ${ip}/32`),
  `nft -f - <<'NFT'
table inet t {
  chain out {
    type filter hook output priority 0; policy accept;
${Object.entries(REJECTS)
  .map(([ip, rule]) => `    ip daddr ${ip} tcp dport 9848 ${rule}`)
  .join('\n')}
  }
}
NFT`,
].join('\n');

const probeAll = `
import { probeOnce, defaultProbeDeps } from './shared/probes/index.ts';
import { unreachableOrigin } from './shared/probes/classify.ts';
const hosts = JSON.parse(process.argv[1]);
const out = {};
for (const host of hosts) {
  const a = await probeOnce({ host, port: 9848, spec: { kind: 'tcp' }, category: 't', required: true }, { timeoutMs: 300 }, defaultProbeDeps);
  out[host] = { status: a.status, code: a.error?.code ?? null, origin: a.status === 'unreachable' ? unreachableOrigin(a.error) : null };
}
process.stdout.write(JSON.stringify(out));`;

describe('what Linux returns, measured in a private namespace', () => {
  it.skipIf(typeof namespaceArgs === 'string')(
    'each ICMP reject type, tcp reset, drop, every route type and a missing route, through the TCP prober',
    () => {
      const hosts = [...Object.keys(REJECTS), ...Object.keys(ROUTES), NO_ROUTE];
      const run = spawnSync(
        'unshare',
        [
          ...(namespaceArgs as string[]),
          'sh',
          '-c',
          `set -e\n${setup}\nexec "$0" --import tsx --input-type=module -e "$1" "$2"`,
          process.execPath,
          probeAll,
          JSON.stringify(hosts),
        ],
        { encoding: 'utf8', cwd: process.cwd() },
      );
      expect(run.stderr).toBe('');
      const seen = JSON.parse(run.stdout);
      const icmp = { kind: 'icmp-reject', local: false };
      const net = { kind: 'no-route', local: false };
      expect(seen).toEqual({
        // admin-prohibited and host-prohibited are the same errno: the finding names both, with traceroute's !X
        '198.18.0.1': { status: 'unreachable', code: 'EHOSTUNREACH', origin: icmp },
        '198.18.0.2': { status: 'unreachable', code: 'EHOSTUNREACH', origin: icmp },
        '198.18.0.3': { status: 'unreachable', code: 'ENETUNREACH', origin: net },
        '198.18.0.4': { status: 'unreachable', code: 'ENETUNREACH', origin: net },
        '198.18.0.5': { status: 'unreachable', code: 'EHOSTUNREACH', origin: icmp },
        // REJECT's default answer is ICMP port-unreachable: the socket sees a refusal, as for a TCP reset
        '198.18.0.6': { status: 'refused', code: 'ECONNREFUSED', origin: null },
        '198.18.0.7': { status: 'refused', code: 'ECONNREFUSED', origin: null },
        '198.18.0.8': { status: 'refused', code: 'ECONNREFUSED', origin: null },
        '198.18.0.9': { status: 'timeout', code: 'ETIMEDOUT', origin: null },
        // route rules fail inside connect(), before a packet leaves
        '198.19.0.1': {
          status: 'unreachable',
          code: 'EHOSTUNREACH',
          origin: { kind: 'route-rule', local: true },
        },
        '198.19.0.2': { status: 'unreachable', code: 'EACCES', origin: { kind: 'route-rule', local: true } },
        '198.19.0.3': { status: 'unreachable', code: 'EINVAL', origin: { kind: 'route-rule', local: true } },
        [NO_ROUTE]: { status: 'unreachable', code: 'ENETUNREACH', origin: { kind: 'no-route', local: true } },
      });
    },
  );
});
