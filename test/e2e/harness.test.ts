import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Agent, REPO_ROOT, startAgent, tsNode } from '../../scripts/e2e/agent.ts';
import { type Fault, renderFaultRules } from '../../scripts/e2e/fault-rules.ts';
import { regionFixture } from '../../scripts/e2e/region.ts';
import { createVpc, ownNamespaces, sweepStaleNamespaces, type Vpc } from '../../scripts/e2e/vpc.ts';
import { describeInVpc } from './support/skip.ts';

// The harness itself, checked with plain node:net (no product code): what it builds, that each fault gives
// the failure it stands for, that nothing routes out, and that it cleans up after itself even when killed.

const fixture = regionFixture('cn-shanghai');
const dropped = { ip: '100.100.109.63', port: 9848 };
const rejected = { ip: '100.100.119.199', port: 80 };
const absent = '100.100.140.3';
const healthy = [
  { ip: '100.100.27.5', port: 8848 },
  { ip: '100.103.16.42', port: 8080 },
];

type Connect = {
  target: string;
  status: 'ok' | 'timeout' | 'error' | 'answered';
  code: string | null;
  connected: boolean;
  line?: string;
};

const plainConnect = async (
  vpc: Vpc,
  targets: string[],
  send: 'nothing' | 'http' = 'nothing',
): Promise<Map<string, Connect>> => {
  const result = await vpc.run(['node', 'test/e2e/support/plain-connect.mjs', ...targets], {
    cwd: REPO_ROOT,
    env: { CONNECT_TIMEOUT_MS: '800', SEND: send === 'http' ? 'http' : '' },
  });
  expect(result.stderr).toBe('');
  const rows = result.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Connect);
  return new Map(rows.map((row) => [row.target, row]));
};

/** Starts vpc-cli with --keep on the host side and returns it once the namespace exists. */
const keptVpc = async () => {
  const child = spawn(
    process.execPath,
    tsNode('scripts/e2e/vpc-cli.ts', '--region', 'cn-shanghai', '--keep').slice(1),
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  let name = '';
  for await (const line of createInterface({ input: child.stdout })) {
    name ||= /^namespace (\S+)/.exec(line)?.[1] ?? '';
    if (line.startsWith('kept;')) break;
  }
  if (name === '') throw new Error(`vpc-cli did not build a namespace: ${stderr}`);
  return { child, name };
};

describe('fault rules', () => {
  it.each([
    [{ action: 'drop', ip: '100.100.109.63', port: 9848 }, 'ip daddr 100.100.109.63 tcp dport 9848 drop'],
    [{ action: 'drop', ip: '100.100.109.63' }, 'ip daddr 100.100.109.63 meta l4proto tcp drop'],
    [
      { action: 'reject', ip: '100.100.119.199', port: 80 },
      'ip daddr 100.100.119.199 tcp dport 80 reject with tcp reset',
    ],
    [
      { action: 'reject-icmp', ip: '100.100.27.5', port: 9848, icmp: 'admin-prohibited' },
      'ip daddr 100.100.27.5 tcp dport 9848 reject with icmp type admin-prohibited',
    ],
    [
      { action: 'reset-after-connect', ip: '100.100.100.200', port: 80 },
      'ip daddr 100.100.100.200 tcp dport 80 ct state established tcp flags & (fin | syn | rst | psh) == psh reject with tcp reset',
    ],
    [
      { action: 'redirect', ip: '100.103.16.42', to: 15001 },
      'ip daddr 100.103.16.42 meta l4proto tcp redirect to :15001',
    ],
  ] as const)('%o -> %s', (fault, rule) => {
    expect(renderFaultRules([fault]).split('\n')).toContain(`    ${rule}`);
  });

  it('replaces the whole table in one transaction, even when it does not exist yet', () => {
    expect(renderFaultRules([]).split('\n').slice(0, 3)).toEqual([
      'table inet mw_faults {}',
      'delete table inet mw_faults',
      'table inet mw_faults {',
    ]);
  });

  it.each([
    [{ action: 'drop', ip: 'mse.example.com' }, /IPv4/],
    [{ action: 'drop', ip: '100.100.27.5', port: 70000 }, /1-65535/],
    [{ action: 'reject-icmp', ip: '100.100.27.5', icmp: 'no-such-type' }, /unknown ICMP type/],
    [{ action: 'redirect', ip: '100.100.27.5', to: 0 }, /redirect target port must be 1-65535/],
  ] as const)('rejects %o', (fault, message) => {
    expect(() => renderFaultRules([fault as Fault])).toThrow(message);
  });
});

describeInVpc('VPC in a box harness', () => {
  let vpc: Vpc;
  let agent: Agent;

  beforeAll(async () => {
    vpc = await createVpc({
      addresses: fixture.addresses.filter((address) => address !== absent),
      faults: [
        { action: 'drop', ...dropped },
        { action: 'reject', ...rejected },
      ],
      label: 'harness check, cn-shanghai',
    });
    agent = await startAgent(vpc);
    await agent.request('listen', {
      listeners: fixture.listeners.filter((listener) => listener.host !== absent),
    });
    process.stdout.write(`${vpc.describe()}\n`);
  });

  afterAll(async () => {
    await agent?.stop();
    await vpc?.destroy();
    if (vpc) expect(ownNamespaces()).not.toContain(vpc.name);
  });

  it('holds the region catalog addresses on lo and nothing else', async () => {
    const links = await vpc.run(['ip', '-o', 'link', 'show']);
    expect(links.stdout.trim().split('\n')).toHaveLength(1);
    const addresses = await vpc.run(['ip', '-o', '-4', 'addr', 'show', 'dev', 'lo']);
    const held = [...addresses.stdout.matchAll(/inet (\S+)\/32/g)].map((match) => match[1]);
    expect(held.sort()).toEqual(fixture.addresses.filter((address) => address !== absent).sort());
  });

  it('probes a catalog listener inside the namespace, and each fault gives its failure', async () => {
    const key = (t: { ip: string; port: number }) => `${t.ip}:${t.port}`;
    const results = await plainConnect(vpc, [
      ...healthy.map(key),
      key(dropped),
      key(rejected),
      `${absent}:80`,
    ]);
    for (const target of healthy) expect(results.get(key(target))?.status).toBe('ok');
    expect(results.get(key(dropped))).toMatchObject({ status: 'timeout' });
    expect(results.get(key(rejected))).toMatchObject({ status: 'error', code: 'ECONNREFUSED' });
    expect(results.get(`${absent}:80`)).toMatchObject({ status: 'error', code: 'ENETUNREACH' });
  });

  it('each middlebox fault gives the failure it stands for', async () => {
    const [icmpAdmin, icmpHost, resetting, redirected] = [
      { ip: '100.100.27.5', port: 9848 },
      { ip: '100.100.109.63', port: 8848 },
      { ip: '100.100.100.200', port: 80 },
      { ip: '100.103.22.120', port: 80 },
    ] as const;
    const proxy = await agent.request<{ port: number }>('proxy.start', {
      host: '127.0.0.1',
      port: 0,
      status: 404,
    });
    await vpc.setFaults([
      { action: 'reject-icmp', ...icmpAdmin, icmp: 'admin-prohibited' },
      { action: 'reject-icmp', ...icmpHost, icmp: 'host-prohibited' },
      { action: 'reset-after-connect', ...resetting },
      { action: 'redirect', ip: redirected.ip, to: proxy.port },
    ]);
    try {
      const key = (t: { ip: string; port: number }) => `${t.ip}:${t.port}`;
      const tcp = await plainConnect(vpc, [
        key(icmpAdmin),
        key(icmpHost),
        key(resetting),
        `${redirected.ip}:9`,
      ]);
      expect(tcp.get(key(icmpAdmin))).toMatchObject({
        status: 'error',
        code: 'EHOSTUNREACH',
        connected: false,
      });
      expect(tcp.get(key(icmpHost))).toMatchObject({
        status: 'error',
        code: 'EHOSTUNREACH',
        connected: false,
      });
      // the handshake goes through: a bare connect cannot see this fault
      expect(tcp.get(key(resetting))).toMatchObject({ status: 'ok' });
      // redirected: even a port nothing serves connects
      expect(tcp.get(`${redirected.ip}:9`)).toMatchObject({ status: 'ok' });
      const http = await plainConnect(vpc, [key(resetting), key(redirected)], 'http');
      expect(http.get(key(resetting))).toMatchObject({
        status: 'error',
        code: 'ECONNRESET',
        connected: true,
      });
      expect(http.get(key(redirected))).toMatchObject({ status: 'answered', line: 'HTTP/1.1 404 Not Found' });
    } finally {
      await vpc.setFaults([
        { action: 'drop', ...dropped },
        { action: 'reject', ...rejected },
      ]);
      await agent.request('close', { key: 'proxy' });
    }
  });

  it('has no route out of the machine', async () => {
    const route = await vpc.run(['ip', 'route', 'get', '8.8.8.8']);
    expect(route.code).not.toBe(0);
    expect(route.stderr).toMatch(/unreachable/i);
    const results = await plainConnect(vpc, ['8.8.8.8:53']);
    expect(results.get('8.8.8.8:53')).toMatchObject({ code: 'ENETUNREACH' });
  });

  it('replaces the fault rules live', async () => {
    const target = healthy[0]!;
    await vpc.setFaults([{ action: 'drop', ...target }]);
    expect(
      (await plainConnect(vpc, [`${target.ip}:${target.port}`])).get(`${target.ip}:${target.port}`)?.status,
    ).toBe('timeout');
    await vpc.setFaults([]);
    expect(
      (await plainConnect(vpc, [`${target.ip}:${target.port}`])).get(`${target.ip}:${target.port}`)?.status,
    ).toBe('ok');
    expect(
      (await plainConnect(vpc, [`${dropped.ip}:${dropped.port}`])).get(`${dropped.ip}:${dropped.port}`)
        ?.status,
    ).toBe('ok');
  });

  it('removes its namespace when interrupted', async () => {
    const { child, name } = await keptVpc();
    expect(name).toMatch(/^mw-e2e-\d+$/);
    expect(ownNamespaces()).toContain(name);
    child.kill('SIGINT');
    await once(child, 'exit');
    expect(ownNamespaces()).not.toContain(name);
  });

  it('removes its namespace even when the run is killed outright (SIGKILL)', async () => {
    const { child, name } = await keptVpc();
    child.kill('SIGKILL');
    await once(child, 'exit');
    // the detached guardian notices its creator is gone and deletes the namespace
    for (let waited = 0; ownNamespaces().includes(name) && waited < 5000; waited += 100) await sleep(100);
    expect(ownNamespaces()).not.toContain(name);
  });

  it('sweeps a namespace whose creator is gone, as a last resort', async () => {
    const gone = spawn('true');
    await once(gone, 'exit');
    const name = `mw-e2e-${gone.pid}`;
    await vpc.run(['true']); // any command, to be sure `ip` works before we add a namespace by hand
    spawnSync('ip', ['netns', 'add', name]);
    expect(ownNamespaces()).toContain(name);
    expect(sweepStaleNamespaces()).toContain(name);
    expect(ownNamespaces()).not.toContain(name);
  });
});
