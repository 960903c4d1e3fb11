// The firewall formats are checked by the real tools, inside a private network namespace created for the
// test (`unshare --net`): the rules are loaded there and read back, and the host's firewall is never touched.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { iptablesHook, nftHook, nftHookFor, renderAllowlist } from '../../shared/allowlist/index.ts';
import { loadCatalog, type Region, resolveRegion } from '../../shared/catalog/index.ts';

const catalog = loadCatalog();
const dir = mkdtempSync(join(tmpdir(), 'mse-allowlist-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const has = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

/** The unshare arguments that give a private network namespace here, or why there is none. */
const namespace = ((): { prefix: string[] } | { skip: string } => {
  if (!has('unshare')) return { skip: 'unshare (util-linux) is not installed' };
  if (!has('ip')) return { skip: 'ip (iproute2) is needed to prove the namespace is private' };
  const candidates = process.getuid?.() === 0 ? [['--net']] : [['--user', '--map-root-user', '--net']];
  for (const args of candidates) {
    if (spawnSync('unshare', [...args, 'true']).status === 0) return { prefix: ['unshare', ...args] };
  }
  return { skip: 'cannot create a network namespace (not root, and user namespaces are disabled)' };
})();

/**
 * Runs a shell script inside a new, empty network namespace; the files are $1, $2, ... The guard line refuses
 * to go on unless the namespace has nothing but its loopback device, so no rule can land on the host.
 */
const inNamespace = (script: string, files: string[]) => {
  if (!('prefix' in namespace)) throw new Error(namespace.skip);
  const [command = 'unshare', ...args] = namespace.prefix;
  const guard =
    '[ "$(ip -o link show | wc -l)" = 1 ] || { echo "refusing: not a private namespace" >&2; exit 99; }';
  const result = spawnSync(command, [...args, 'sh', '-c', `set -e\n${guard}\n${script}`, 'sh', ...files], {
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
};

const fileOf = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const render = (format: 'iptables' | 'nftables' | 'terraform', region: Region, includeArms: boolean) =>
  renderAllowlist(format, { region, includeArms, catalogVersion: catalog.version });

const expectedPairs = (region: Region, includeArms: boolean): string[] =>
  region.endpoints
    .filter((e) => includeArms || e.required)
    .flatMap((e) => e.ports.map((port) => `${e.ip}:${port}`))
    .sort();

/** ip:port pairs accepted by the MSE-WATCH-EGRESS chain in `iptables-save` output. */
const iptablesPairs = (saved: string): string[] =>
  [
    ...saved.matchAll(
      /^-A MSE-WATCH-EGRESS -d ([\d.]+)\/32 -p tcp -m tcp --dport (\d+) -m comment --comment "?mse [^"]*"? -j ACCEPT$/gm,
    ),
  ]
    .map(([, ip, port]) => `${ip}:${port}`)
    .sort();

type NftExpr = { match?: { left: { payload?: { protocol: string; field: string } }; right: unknown } };
type NftItem = {
  rule?: { family: string; table: string; chain: string; expr: NftExpr[]; comment?: string };
  chain?: { family: string; table: string; name: string; policy?: string; hook?: string };
  table?: { family: string; name: string };
};

const nftItems = (json: string): NftItem[] => (JSON.parse(json) as { nftables: NftItem[] }).nftables;

/** ip:port pairs accepted by the mse_watch_egress chain in `nft -j list ruleset` output. */
const nftPairs = (json: string): string[] => {
  const items = nftItems(json);
  return items
    .flatMap((item) => (item.rule && item.rule.chain === 'mse_watch_egress' ? [item.rule] : []))
    .flatMap((rule) => {
      const right = (field: string) =>
        rule.expr.find((e) => e.match?.left.payload?.field === field)?.match?.right as unknown;
      const daddr = right('daddr') as string | { set: string[] };
      const ips = typeof daddr === 'string' ? [daddr] : daddr.set;
      return ips.map((ip) => `${ip}:${String(right('dport'))}`);
    })
    .sort();
};

const skipNamespace = 'skip' in namespace ? namespace.skip : undefined;

describe.each([
  ['cn-hangzhou', true],
  ['cn-shanghai', false],
  ['cn-north-2-gov-1', true],
] as const)('firewall rules for %s (includeArms %s)', (regionId, includeArms) => {
  const region = resolveRegion(catalog, regionId);
  const expected = expectedPairs(region, includeArms);

  it.skipIf(!has('iptables-restore') || skipNamespace !== undefined)(
    `iptables-restore --test accepts it, and once loaded it accepts exactly every ip:port ${skipNamespace ? `(skipped: ${skipNamespace})` : ''}`,
    () => {
      const rules = fileOf(`${regionId}.iptables`, render('iptables', region, includeArms));
      const run = inNamespace(
        'iptables-restore --test < "$1"\niptables-restore --noflush < "$1"\niptables-save -t filter',
        [rules],
      );
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(iptablesPairs(run.stdout)).toStrictEqual(expected);
      // the file never touches a built-in chain: the jump is the separate one-time hook
      expect(run.stdout).not.toMatch(/^-A OUTPUT/m);
    },
  );

  it.skipIf(!has('nft') || skipNamespace !== undefined)(
    `nft -c -f accepts it, and once loaded it accepts exactly every ip:port ${skipNamespace ? `(skipped: ${skipNamespace})` : ''}`,
    () => {
      const rules = fileOf(`${regionId}.nft`, render('nftables', region, includeArms));
      const run = inNamespace('nft -c -f "$1"\nnft -f "$1"\nnft -j list ruleset', [rules]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(nftPairs(run.stdout)).toStrictEqual(expected);
    },
  );
});

describe('loading again (the documented update procedure) replaces the rules, never adds a copy', () => {
  const hangzhou = resolveRegion(catalog, 'cn-hangzhou');
  const shanghai = resolveRegion(catalog, 'cn-shanghai');

  it.skipIf(!has('nft') || skipNamespace !== undefined)(
    'nft -f twice, then a new region: only the new region, once',
    () => {
      const first = fileOf('first.nft', render('nftables', hangzhou, true));
      const second = fileOf('second.nft', render('nftables', shanghai, false));
      const run = inNamespace('nft -f "$1"\nnft -f "$1"\nnft -f "$2"\nnft -j list ruleset', [first, second]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(nftPairs(run.stdout)).toStrictEqual(expectedPairs(shanghai, false));
    },
  );

  it.skipIf(!has('iptables-restore') || skipNamespace !== undefined)(
    'iptables-restore --noflush twice, then a new region: only the new region, once',
    () => {
      const first = fileOf('first.iptables', render('iptables', hangzhou, true));
      const second = fileOf('second.iptables', render('iptables', shanghai, false));
      const run = inNamespace(
        'iptables-restore --noflush < "$1"\niptables-restore --noflush < "$1"\niptables-restore --noflush < "$2"\niptables-save -t filter',
        [first, second],
      );
      expect(run.code).toBe(0);
      expect(iptablesPairs(run.stdout)).toStrictEqual(expectedPairs(shanghai, false));
    },
  );
});

/**
 * A namespace with the user's own firewall: a drop policy on output (replies allowed), a rule of theirs, and for
 * nftables a second table. A catalog address is made local to the namespace, with a listener on an
 * allowed port and on a port the allowlist does not open; node connects to both before and after.
 */
describe("beside a firewall that drops by default (the user's rules, policies and tables survive)", () => {
  const region = resolveRegion(catalog, 'cn-hangzhou');
  const [ip = '', openPort = ''] = (expectedPairs(region, false)[0] ?? '').split(':');
  const closedPort = '9999';
  const probe = fileOf(
    'probe.mjs',
    `import net from 'node:net';
const [ip, ...ports] = process.argv.slice(2);
const servers = await Promise.all(ports.map((port) => new Promise((resolve) => {
  const server = net.createServer((socket) => socket.end()).listen(Number(port), ip, () => resolve(server));
})));
const result = {};
for (const port of ports) {
  result[port] = await new Promise((resolve) => {
    const socket = net.connect({ host: ip, port: Number(port), timeout: 700 });
    socket.once('connect', () => { socket.destroy(); resolve('open'); });
    socket.once('timeout', () => { socket.destroy(); resolve('dropped'); });
    socket.once('error', (error) => resolve(error.code));
  });
}
for (const server of servers) server.close();
console.log(JSON.stringify(result));
`,
  );
  // the catalog address is this namespace's own (on lo, as no dummy driver may be loaded): local traffic still
  // passes the output hook, so the rules decide exactly as for a remote endpoint
  const setup = ['ip link set lo up', `ip addr add ${ip}/32 dev lo`].join('\n');
  const probeLine = (label: string) =>
    `echo "${label} $("${process.execPath}" "$PROBE" ${ip} ${openPort} ${closedPort})"`;
  const result = (stdout: string, label: string) =>
    JSON.parse(
      stdout
        .split('\n')
        .find((line) => line.startsWith(`${label} `))!
        .slice(label.length + 1),
    );

  it.skipIf(!has('iptables-restore') || skipNamespace !== undefined)(
    `iptables: OUTPUT policy DROP stays DROP, the user's rules stay, one jump, and ${ip}:${openPort} opens (not :${closedPort})`,
    () => {
      const rules = fileOf('beside.iptables', render('iptables', region, false));
      const hook = iptablesHook;
      const run = inNamespace(
        [
          setup,
          'iptables -P OUTPUT DROP',
          'iptables -A OUTPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT',
          'iptables -A OUTPUT -d 127.0.0.2/32 -p tcp -m tcp --dport 22 -m comment --comment "user rule" -j ACCEPT',
          `PROBE="$2"`,
          probeLine('before'),
          'iptables-restore --noflush < "$1"',
          'iptables-restore --noflush < "$1"',
          hook,
          hook,
          probeLine('after'),
          'iptables-save -t filter',
        ].join('\n'),
        [rules, probe],
      );
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(result(run.stdout, 'before')).toEqual({ [openPort]: 'dropped', [closedPort]: 'dropped' });
      expect(result(run.stdout, 'after')).toEqual({ [openPort]: 'open', [closedPort]: 'dropped' });
      expect(run.stdout).toMatch(/^:OUTPUT DROP /m);
      expect(run.stdout.match(/^-A OUTPUT .*$/gm)).toStrictEqual([
        '-A OUTPUT -j MSE-WATCH-EGRESS',
        '-A OUTPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
        '-A OUTPUT -d 127.0.0.2/32 -p tcp -m tcp --dport 22 -m comment --comment "user rule" -j ACCEPT',
      ]);
      expect(iptablesPairs(run.stdout)).toStrictEqual(expectedPairs(region, false));
    },
  );

  it.skipIf(!has('nft') || skipNamespace !== undefined)(
    `nftables: the drop-policy chain keeps its policy and rules, another table stays, one jump, and ${ip}:${openPort} opens (not :${closedPort})`,
    () => {
      const user = fileOf(
        'user.nft',
        `table inet filter {
  chain output {
    type filter hook output priority 0; policy drop;
    ct state established,related accept
    ip daddr 127.0.0.2 tcp dport 22 accept comment "user rule"
  }
}
table inet other {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport 2222 counter comment "other table"
  }
}
`,
      );
      const rules = fileOf('beside.nft', render('nftables', region, false));
      const run = inNamespace(
        [
          setup,
          'nft -f "$1"',
          `PROBE="$3"`,
          probeLine('before'),
          'nft -f "$2"',
          'nft -f "$2"',
          nftHook,
          nftHook,
          probeLine('after'),
          'echo "ruleset $(nft -j list ruleset)"',
        ].join('\n'),
        [user, rules, probe],
      );
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(result(run.stdout, 'before')).toEqual({ [openPort]: 'dropped', [closedPort]: 'dropped' });
      expect(result(run.stdout, 'after')).toEqual({ [openPort]: 'open', [closedPort]: 'dropped' });
      const ruleset = run.stdout
        .split('\n')
        .find((line) => line.startsWith('ruleset '))!
        .slice(8);
      const items = nftItems(ruleset);
      expect(items.find((item) => item.chain?.name === 'output')?.chain).toMatchObject({
        policy: 'drop',
        hook: 'output',
      });
      const output = items.flatMap((item) => (item.rule?.chain === 'output' ? [item.rule] : []));
      expect(output.map((rule) => JSON.stringify(rule.expr))).toEqual([
        JSON.stringify([{ jump: { target: 'mse_watch_egress' } }]),
        expect.stringContaining('"ct"'),
        expect.stringContaining('127.0.0.2'),
      ]);
      expect(items.some((item) => item.rule?.table === 'other' && item.rule.comment === 'other table')).toBe(
        true,
      );
      expect(nftPairs(ruleset)).toStrictEqual(expectedPairs(region, false));
    },
  );

  it.skipIf(!has('nft') || skipNamespace !== undefined)(
    `nftables into the user's own table (--nft-table "ip fw" --nft-chain out): ${ip}:${openPort} opens there, inet filter is never created`,
    () => {
      const user = fileOf(
        'user-fw.nft',
        'table ip fw {\n  chain out {\n    type filter hook output priority 0; policy drop;\n    ct state established,related accept\n  }\n}\n',
      );
      const place = { family: 'ip', table: 'fw', chain: 'out' } as const;
      const rules = fileOf(
        'fw.nft',
        renderAllowlist('nftables', {
          region,
          includeArms: false,
          catalogVersion: catalog.version,
          nft: place,
        }),
      );
      const hook = nftHookFor(place);
      const run = inNamespace(
        [
          setup,
          'nft -f "$1"',
          `PROBE="$3"`,
          probeLine('before'),
          'nft -f "$2"',
          hook,
          hook,
          probeLine('after'),
          'echo "ruleset $(nft -j list ruleset)"',
        ].join('\n'),
        [user, rules, probe],
      );
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(result(run.stdout, 'before')).toEqual({ [openPort]: 'dropped', [closedPort]: 'dropped' });
      expect(result(run.stdout, 'after')).toEqual({ [openPort]: 'open', [closedPort]: 'dropped' });
      const ruleset = run.stdout
        .split('\n')
        .find((line) => line.startsWith('ruleset '))!
        .slice(8);
      const items = nftItems(ruleset);
      expect(
        items.flatMap((item) => (item.table ? [`${item.table.family} ${item.table.name}`] : [])),
      ).toEqual(['ip fw']);
      const out = items.flatMap((item) => (item.rule?.chain === 'out' ? [item.rule] : []));
      expect(out.map((rule) => JSON.stringify(rule.expr))).toEqual([
        JSON.stringify([{ jump: { target: 'mse_watch_egress' } }]),
        expect.stringContaining('"ct"'),
      ]);
      expect(nftPairs(ruleset)).toStrictEqual(expectedPairs(region, false));
    },
  );

  it.skipIf(!has('nft') || skipNamespace !== undefined)(
    'why not a table of its own: beside a drop-policy chain, its accept opens nothing (any priority)',
    () => {
      const user = fileOf(
        'user-only.nft',
        'table inet filter {\n  chain output {\n    type filter hook output priority 0; policy drop;\n    ct state established,related accept\n  }\n}\n',
      );
      const own = fileOf(
        'own-table.nft',
        `table inet mse_watch {\n  chain egress {\n    type filter hook output priority -100; policy accept;\n    ip daddr ${ip} tcp dport ${openPort} accept\n  }\n}\n`,
      );
      const run = inNamespace(
        [setup, 'nft -f "$1"', 'nft -f "$2"', `PROBE="$3"`, probeLine('own')].join('\n'),
        [user, own, probe],
      );
      expect(run.code).toBe(0);
      expect(result(run.stdout, 'own')).toEqual({ [openPort]: 'dropped', [closedPort]: 'dropped' });
    },
  );
});

describe('the checks can fail', () => {
  const region = resolveRegion(catalog, 'cn-shanghai');

  it.skipIf(!has('iptables-restore') || skipNamespace !== undefined)(
    'iptables-restore --test rejects a broken rule',
    () => {
      const broken = render('iptables', region, false).replace('--dport 8080', '--dport 80800');
      const run = inNamespace('iptables-restore --test < "$1"', [fileOf('broken.iptables', broken)]);
      expect(run.code).not.toBe(0);
    },
  );

  it.skipIf(!has('nft') || skipNamespace !== undefined)('nft -c rejects a broken rule', () => {
    const broken = render('nftables', region, false).replace('tcp dport 8080', 'tcp dport 80800');
    const run = inNamespace('nft -c -f "$1"', [fileOf('broken.nft', broken)]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('80800');
  });
});

describe('terraform', () => {
  const hasTerraform = has('terraform');
  const fmt = (text: string) =>
    spawnSync('terraform', ['fmt', '-check', '-'], {
      input: text,
      encoding: 'utf8',
      // no user CLI configuration, no checkpoint call home: fmt only parses
      env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1' },
    });

  it.skipIf(!hasTerraform)(
    `terraform fmt -check parses it and finds it canonically formatted${hasTerraform ? '' : ' (skipped: terraform is not installed)'}`,
    () => {
      const result = fmt(render('terraform', resolveRegion(catalog, 'cn-hangzhou'), true));
      expect(result.status).toBe(0);
      expect(fmt('resource "x" "y" {\n').status).not.toBe(0);
    },
  );
});
