import { describe, expect, it } from 'vitest';
import { ALLOWLIST_FORMATS, renderAllowlist } from '../../shared/allowlist/index.ts';
import { loadCatalog, type Region, resolveRegion } from '../../shared/catalog/index.ts';

const catalog = loadCatalog();
const ARMS = new Set(['arms-monitoring', 'arms-info']);

/** Every ip:port of a region, straight from its endpoint rows (not through regionTargets). */
const pairs = (region: Region, includeArms: boolean) =>
  region.endpoints
    .filter((e) => includeArms || !ARMS.has(e.category))
    .flatMap((e) => e.ports.map((port) => ({ ip: e.ip, port, category: e.category, required: e.required })));

const render = (format: (typeof ALLOWLIST_FORMATS)[number], region: Region, includeArms = false) =>
  renderAllowlist(format, { region, includeArms, catalogVersion: catalog.version });

/** A region larger than any real one, to see the 100-permission batches of AuthorizeSecurityGroupEgress. */
const bigRegion: Region = {
  id: 'cn-test-big',
  name: 'Test (Big)',
  aliases: [],
  endpoints: Array.from({ length: 83 }, (_, i) => ({
    ip: `100.64.${Math.floor(i / 250)}.${(i % 250) + 1}`,
    ports: [8080, 8848, 9848],
    category: 'governance-rules' as const,
    required: true,
  })),
};

describe.each(
  catalog.regions.map((region) => [region.id, region] as const),
)('allowlist for %s', (_, region) => {
  it.each([false, true])('csv has the header and one row per ip:port (includeArms %s)', (includeArms) => {
    const [header, ...rows] = render('csv', region, includeArms).trimEnd().split('\n');
    expect(header).toBe('ip,port,category,required');
    expect(rows).toStrictEqual(
      pairs(region, includeArms).map((p) => `${p.ip},${p.port},${p.category},${p.required}`),
    );
    expect(rows.some((row) => /,arms-(monitoring|info),false$/.test(row))).toBe(
      includeArms && region.endpoints.some((e) => ARMS.has(e.category)),
    );
  });
});

describe('allowlist formats', () => {
  const hangzhou = resolveRegion(catalog, 'cn-hangzhou');

  it('the region used below has ARMS endpoints, so includeArms makes a difference', () => {
    expect(pairs(hangzhou, true).length).toBeGreaterThan(pairs(hangzhou, false).length);
  });

  it.each([
    false,
    true,
  ])('json lists the region, catalog version and every rule (includeArms %s)', (includeArms) => {
    expect(JSON.parse(render('json', hangzhou, includeArms))).toStrictEqual({
      region: 'cn-hangzhou',
      catalogVersion: catalog.version,
      includeArms,
      rules: pairs(hangzhou, includeArms).map((p) => ({ ...p, protocol: 'tcp' })),
    });
  });

  it.each([
    false,
    true,
  ])('terraform has one egress alicloud_security_group_rule per ip:port, /32, port P/P (includeArms %s)', (includeArms) => {
    const text = render('terraform', hangzhou, includeArms);
    const blocks = [...text.matchAll(/^resource "([^"]+)" "([^"]+)" \{\n([\s\S]*?)\n\}$/gm)].map(
      ([, kind, name, body = '']) => ({
        kind,
        name,
        attributes: Object.fromEntries(
          body.split('\n').map((line) => /^ {2}(\w+) += (.+)$/.exec(line)?.slice(1) ?? ['unparsed', line]),
        ),
      }),
    );
    const expected = pairs(hangzhou, includeArms);
    expect(blocks).toHaveLength(expected.length);
    expect(new Set(blocks.map((b) => b.name)).size).toBe(blocks.length);
    for (const block of blocks) expect(block.name).toMatch(/^[a-zA-Z_][a-zA-Z0-9_-]*$/);
    expect(blocks.map((b) => ({ kind: b.kind, attributes: b.attributes }))).toStrictEqual(
      expected.map((p) => ({
        kind: 'alicloud_security_group_rule',
        attributes: {
          type: '"egress"',
          ip_protocol: '"tcp"',
          nic_type: '"intranet"',
          policy: '"accept"',
          port_range: `"${p.port}/${p.port}"`,
          priority: '1',
          security_group_id: 'var.security_group_id',
          cidr_ip: `"${p.ip}/32"`,
          description: `"mse-watch ${p.category}${p.required ? '' : ' (ARMS, optional)'}"`,
        },
      })),
    );
    expect(text).toMatch(/^variable "security_group_id" \{$/m);
  });

  it('aliyun-sg is a list of AuthorizeSecurityGroupEgress calls with exact Permissions entries', () => {
    const calls = JSON.parse(render('aliyun-sg', hangzhou, true)) as Array<Record<string, unknown>>;
    expect(calls).toHaveLength(1);
    expect(calls[0]).toStrictEqual({
      Action: 'AuthorizeSecurityGroupEgress',
      RegionId: 'cn-hangzhou',
      SecurityGroupId: '<your security group id>',
      Permissions: pairs(hangzhou, true).map((p) => ({
        IpProtocol: 'TCP',
        PortRange: `${p.port}/${p.port}`,
        DestCidrIp: `${p.ip}/32`,
        Policy: 'accept',
        Priority: '1',
        Description: `mse-watch ${p.category}${p.required ? '' : ' (ARMS, optional)'}`,
      })),
    });
  });

  it('aliyun-sg splits more than 100 permissions into calls of at most 100, losing none', () => {
    const calls = JSON.parse(render('aliyun-sg', bigRegion)) as Array<{
      Permissions: Array<{ DestCidrIp: string; PortRange: string }>;
    }>;
    expect(calls.map((call) => call.Permissions.length)).toStrictEqual([100, 100, 49]);
    expect(
      calls.flatMap((call) => call.Permissions.map((p) => `${p.DestCidrIp} ${p.PortRange}`)),
    ).toStrictEqual(pairs(bigRegion, false).map((p) => `${p.ip}/32 ${p.port}/${p.port}`));
  });

  it.each(ALLOWLIST_FORMATS.filter((format) => format !== 'csv'))('%s names the region', (format) => {
    expect(render(format, hangzhou)).toContain('cn-hangzhou');
  });

  it.each([
    'iptables',
    'nftables',
    'terraform',
  ] as const)('%s says in a comment which catalog it comes from and that ARMS was left out', (format) => {
    expect(render(format, hangzhou)).toContain(
      `# catalog ${catalog.version}; ARMS endpoints left out (add --include-arms if you use ARMS)`,
    );
  });
});
