// The firewall formats are checked by the real tools, inside a private network namespace created for the
// test (`unshare --net`): the rules are loaded there and read back, and the host's firewall is never touched.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderAllowlist } from '../../shared/allowlist/index.ts';
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
type NftItem = { rule?: { table: string; chain: string; expr: NftExpr[] } };

/** ip:port pairs accepted by table inet mse_watch in `nft -j list ruleset` output. */
const nftPairs = (json: string): string[] => {
  const items = (JSON.parse(json) as { nftables: NftItem[] }).nftables;
  return items
    .flatMap((item) => (item.rule && item.rule.table === 'mse_watch' ? [item.rule] : []))
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
      expect(run.stdout).toMatch(/^-A OUTPUT -j MSE-WATCH-EGRESS$/m);
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

describe('applying again (the documented update procedure)', () => {
  const hangzhou = resolveRegion(catalog, 'cn-hangzhou');
  const shanghai = resolveRegion(catalog, 'cn-shanghai');

  it.skipIf(!has('nft') || skipNamespace !== undefined)(
    'nft -f of a new allowlist replaces the old table instead of adding to it',
    () => {
      const first = fileOf('first.nft', render('nftables', hangzhou, true));
      const second = fileOf('second.nft', render('nftables', shanghai, false));
      const run = inNamespace('nft -f "$1"\nnft -f "$1"\nnft -f "$2"\nnft -j list ruleset', [first, second]);
      expect(run.code).toBe(0);
      expect(nftPairs(run.stdout)).toStrictEqual(expectedPairs(shanghai, false));
    },
  );

  it.skipIf(!has('iptables-restore') || skipNamespace !== undefined)(
    'iptables-restore --noflush after deleting the OUTPUT jump replaces the chain and keeps one jump',
    () => {
      const first = fileOf('first.iptables', render('iptables', hangzhou, true));
      const second = fileOf('second.iptables', render('iptables', shanghai, false));
      const run = inNamespace(
        [
          // a rule of the user's own, which --noflush must leave alone
          'iptables -A OUTPUT -d 127.0.0.2/32 -j DROP',
          'iptables-restore --noflush < "$1"',
          'iptables -D OUTPUT -j MSE-WATCH-EGRESS',
          'iptables-restore --noflush < "$2"',
          'iptables-save -t filter',
        ].join('\n'),
        [first, second],
      );
      expect(run.code).toBe(0);
      expect(iptablesPairs(run.stdout)).toStrictEqual(expectedPairs(shanghai, false));
      expect(run.stdout.match(/^-A OUTPUT .*$/gm)).toStrictEqual([
        '-A OUTPUT -d 127.0.0.2/32 -j DROP',
        '-A OUTPUT -j MSE-WATCH-EGRESS',
      ]);
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
