import { describe, expect, it } from 'vitest';
import { MaintenanceWindow } from '../../shared/alerting/config.ts';
import { renderAllowlist } from '../../shared/allowlist/index.ts';
import { loadCatalog, regionTargets, resolveRegion } from '../../shared/catalog/index.ts';
import { explainFailures, withCloudCauses } from '../../shared/diagnose/audit/explain.ts';
import { commandFor, securityGroupFix, shellWord } from '../../shared/diagnose/audit/fix.ts';
import {
  instanceCondition,
  type MseInstance,
  maintenanceWindowFor,
  nacosServerAddress,
  parseMaintenancePeriod,
  parsePorts,
} from '../../shared/diagnose/audit/instances.ts';
import { cidrContains, parseCidr } from '../../shared/diagnose/audit/ipv4.ts';
import type { AuditReport } from '../../shared/diagnose/audit/report.ts';
import { evaluateRoutes, type RouteTableInput } from '../../shared/diagnose/audit/routes.ts';
import {
  auditSecurityGroup,
  deciderId,
  type EgressRule,
  evaluateEgress,
  type GroupType,
  portRangeContains,
  type ReferencedLists,
} from '../../shared/diagnose/audit/security-group.ts';
import type { ProbeRow } from '../../shared/report/schema.ts';
import { inMaintenancePeriod } from '../../shared/run/audit.ts';

const catalog = loadCatalog();
const hangzhou = resolveRegion(catalog, 'cn-hangzhou');
const targets = regionTargets(hangzhou, { includeArms: false });
const NO_LISTS: ReferencedLists = { prefixLists: {}, portRangeLists: {} };

let n = 0;
const rule = (over: Partial<EgressRule>): EgressRule => ({
  id: `sgr-${++n}`,
  policy: 'accept',
  priority: 1,
  protocol: 'TCP',
  portRange: '-1/-1',
  destCidr: '0.0.0.0/0',
  ...over,
});

describe('IPv4 blocks', () => {
  it.each([
    ['100.100.0.0/16', '100.100.45.175', true],
    ['100.100.0.0/16', '100.101.0.1', false],
    ['0.0.0.0/0', '121.43.177.209', true],
    ['100.100.45.175/32', '100.100.45.175', true],
    ['100.100.45.175/32', '100.100.45.174', false],
    ['100.100.45.175', '100.100.45.175', true],
    ['100.100.45.1/24', '100.100.45.200', true],
    ['100.64.0.0/10', '100.127.255.255', true],
    ['100.64.0.0/10', '100.128.0.0', false],
  ])('%s contains %s: %s', (cidr, ip, inside) => {
    expect(cidrContains(parseCidr(cidr)!, ip)).toBe(inside);
  });

  it.each([
    '300.1.1.1/8',
    '10.0.0.0/33',
    '::/0',
    'abc',
    '10.0.0.0/8/1',
    '10.0.0.0/x',
  ])('%s is not an IPv4 block', (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });

  it.each([
    ['8848/8848', 8848, true],
    ['8848/8848', 9848, false],
    ['-1/-1', 9848, true],
    ['1/65535', 80, true],
    ['8000/9000', 9848, false],
    ['9000/8000', 8500, undefined],
    ['0/80', 80, undefined],
    ['80', 80, undefined],
  ])('port range %s holds %i: %s', (range, port, inside) => {
    expect(portRangeContains(range, port)).toBe(inside);
  });
});

describe('security group egress, evaluated as ECS does', () => {
  const verdict = (type: GroupType, rules: EgressRule[], ip: string, port: number, lists = NO_LISTS) => {
    const v = evaluateEgress({ type, rules }, lists, { ip, port });
    return [v.verdict, deciderId(v.by)];
  };
  const gov = '100.100.45.175';

  it.each([
    ['an enterprise group with no rule denies', 'enterprise', [], 9848, 'deny', 'enterprise-default-deny'],
    ['a basic group with no rule allows', 'normal', [], 9848, 'allow', 'normal-default-allow'],
    [
      'an Accept for 8848 does not open 9848',
      'enterprise',
      [rule({ id: 'a8848', portRange: '8848/8848' })],
      9848,
      'deny',
      'enterprise-default-deny',
    ],
    [
      'an Accept for 8848 opens 8848',
      'enterprise',
      [rule({ id: 'a8848', portRange: '8848/8848' })],
      8848,
      'allow',
      'a8848',
    ],
    [
      'a range covering the port opens it',
      'enterprise',
      [rule({ id: 'r', portRange: '8000/9999' })],
      9848,
      'allow',
      'r',
    ],
    ['-1/-1 is every port', 'enterprise', [rule({ id: 'all', portRange: '-1/-1' })], 9848, 'allow', 'all'],
    [
      'protocol ALL covers TCP whatever its range says',
      'enterprise',
      [rule({ id: 'any', protocol: 'ALL', portRange: '1/1' })],
      9848,
      'allow',
      'any',
    ],
    [
      'a UDP rule never matches TCP',
      'enterprise',
      [rule({ protocol: 'UDP' })],
      9848,
      'deny',
      'enterprise-default-deny',
    ],
    [
      '/32 of another address does not match',
      'enterprise',
      [rule({ destCidr: '100.100.45.174/32' })],
      9848,
      'deny',
      'enterprise-default-deny',
    ],
    [
      '/32 of the address matches',
      'enterprise',
      [rule({ id: 'one', destCidr: `${gov}/32` })],
      9848,
      'allow',
      'one',
    ],
    [
      'a Drop in a basic group blocks',
      'normal',
      [rule({ id: 'd', policy: 'drop', destCidr: '100.100.45.0/24' })],
      9848,
      'deny',
      'd',
    ],
    [
      'Drop wins a tie',
      'normal',
      [rule({ id: 'a', priority: 1 }), rule({ id: 'd', policy: 'drop', priority: 1 })],
      8848,
      'deny',
      'd',
    ],
    [
      'a lower number comes first (Accept 1 over Drop 2)',
      'normal',
      [rule({ id: 'd', policy: 'drop', priority: 2 }), rule({ id: 'a', priority: 1 })],
      8848,
      'allow',
      'a',
    ],
    [
      'a lower number comes first (Drop 3 over Accept 5)',
      'enterprise',
      [rule({ id: 'a', priority: 5 }), rule({ id: 'd', policy: 'drop', priority: 3 })],
      8848,
      'deny',
      'd',
    ],
    [
      'a rule towards a security group never matches a service address',
      'enterprise',
      [rule({ destCidr: undefined, destGroupId: 'sg-other' })],
      8848,
      'deny',
      'enterprise-default-deny',
    ],
    [
      'an IPv6 rule never matches an IPv4 endpoint',
      'enterprise',
      [rule({ destCidr: undefined, ipv6DestCidr: '::/0' })],
      8848,
      'deny',
      'enterprise-default-deny',
    ],
  ] as const)('%s', (_, type, rules, port, expected, by) => {
    expect(verdict(type, [...rules], gov, port)).toEqual([expected, by]);
  });

  const lists: ReferencedLists = {
    prefixLists: {
      'pl-mse': { cidrs: ['100.100.0.0/16', '100.103.0.0/16', '2408:4000::/32'] },
      'pl-denied': { unresolved: 'RAM denies ecs:DescribePrefixListAttributes' },
    },
    portRangeLists: {
      'prl-nacos': { ranges: ['8848/8848', '9848/9848'] },
      'prl-denied': { unresolved: 'RAM denies ecs:DescribePortRangeListEntries' },
    },
  };

  it.each([
    [
      'a resolved prefix list matches',
      'enterprise',
      rule({ id: 'pl', destCidr: undefined, destPrefixListId: 'pl-mse' }),
      9848,
      'allow',
    ],
    [
      'a resolved port list matches',
      'enterprise',
      rule({ id: 'prl', portRange: undefined, portRangeListId: 'prl-nacos' }),
      9848,
      'allow',
    ],
    [
      'a resolved port list that lacks the port does not',
      'enterprise',
      rule({ portRange: undefined, portRangeListId: 'prl-nacos' }),
      8080,
      'deny',
    ],
    [
      'an unread prefix list on an Accept in an enterprise group is unknown',
      'enterprise',
      rule({ destCidr: undefined, destPrefixListId: 'pl-denied' }),
      9848,
      'unknown',
    ],
    [
      'an unread port list on a Drop in a basic group is unknown',
      'normal',
      rule({ policy: 'drop', portRange: undefined, portRangeListId: 'prl-denied' }),
      9848,
      'unknown',
    ],
    [
      'an unread list on an Accept in a basic group changes nothing',
      'normal',
      rule({ destCidr: undefined, destPrefixListId: 'pl-denied' }),
      9848,
      'allow',
    ],
    [
      'a list never read is unknown too',
      'enterprise',
      rule({ destCidr: undefined, destPrefixListId: 'pl-missing' }),
      9848,
      'unknown',
    ],
  ] as const)('%s', (_, type, r, port, expected) => {
    expect(evaluateEgress({ type, rules: [r] }, lists, { ip: gov, port }).verdict).toBe(expected);
  });

  it('an unknown rule after the deciding rule does not matter; before it, with the other policy, it does', () => {
    const unknownDrop = rule({
      id: 'u',
      policy: 'drop',
      priority: 5,
      destCidr: undefined,
      destPrefixListId: 'pl-denied',
    });
    const accept = rule({ id: 'a', priority: 1 });
    expect(
      evaluateEgress({ type: 'normal', rules: [unknownDrop, accept] }, lists, { ip: gov, port: 9848 }),
    ).toMatchObject({ verdict: 'allow' });
    const late = rule({ id: 'a', priority: 9 });
    const v = evaluateEgress({ type: 'normal', rules: [unknownDrop, late] }, lists, { ip: gov, port: 9848 });
    expect(v).toMatchObject({ verdict: 'unknown', unresolved: [{ rule: { id: 'u' } }] });
    expect(deciderId(v.by)).toBe('a');
  });

  it('a definite "no" part settles a rule even when another part cannot be read', () => {
    const udp = rule({ protocol: 'UDP', destCidr: undefined, destPrefixListId: 'pl-denied' });
    expect(evaluateEgress({ type: 'enterprise', rules: [udp] }, lists, { ip: gov, port: 9848 }).verdict).toBe(
      'deny',
    );
  });
});

describe('a group against the whole region, and the rules to add', () => {
  const enterprise = {
    id: 'sg-ent',
    type: 'enterprise' as const,
    rules: [
      rule({ id: 'web', portRange: '80/80', destCidr: '100.64.0.0/10' }),
      rule({ id: 'http', portRange: '8080/8080', destCidr: '100.64.0.0/10' }),
      rule({ id: 'nacos', portRange: '8848/8848', destCidr: '100.100.0.0/16' }),
    ],
  };

  it('an enterprise group that never allows 9848 blocks exactly the governance gRPC endpoints', () => {
    const audit = auditSecurityGroup(enterprise, NO_LISTS, targets);
    expect(audit.blocked.map((b) => `${b.ip}:${b.port} ${b.by}`)).toEqual([
      '100.100.45.175:9848 enterprise-default-deny',
      '100.100.45.174:9848 enterprise-default-deny',
      '100.100.45.190:9848 enterprise-default-deny',
      '100.100.17.91:9848 enterprise-default-deny',
    ]);
    expect(audit).toMatchObject({ allowed: targets.length - 4, notEvaluated: [], egressRules: 3 });
    expect(
      audit.blocked.every((b) => b.fixableByAccept && b.category === 'governance-rules' && b.required),
    ).toBe(true);

    const fix = securityGroupFix(hangzhou, catalog.version, audit)!;
    // the same permissions `allowlist --format aliyun-sg` prints for these endpoints, for this group
    const printed = (
      JSON.parse(
        renderAllowlist('aliyun-sg', {
          region: hangzhou,
          includeArms: false,
          catalogVersion: catalog.version,
        }),
      ) as Array<{ Permissions: Array<{ PortRange: string }> }>
    )
      .flatMap((call) => call.Permissions)
      .filter((p) => p.PortRange === '9848/9848');
    expect(fix.permissions).toEqual([
      {
        Action: 'AuthorizeSecurityGroupEgress',
        RegionId: 'cn-hangzhou',
        SecurityGroupId: 'sg-ent',
        Permissions: printed,
      },
    ]);
    expect(fix.commands).toEqual([
      `aliyun ecs AuthorizeSecurityGroupEgress --RegionId cn-hangzhou --SecurityGroupId sg-ent ${printed
        .map(
          (p, i) =>
            `--Permissions.${i + 1}.IpProtocol TCP --Permissions.${i + 1}.PortRange 9848/9848 --Permissions.${i + 1}.DestCidrIp ${(p as unknown as { DestCidrIp: string }).DestCidrIp} --Permissions.${i + 1}.Policy accept --Permissions.${i + 1}.Priority 1 --Permissions.${i + 1}.Description 'mse-watch governance-rules'`,
        )
        .join(' ')}`,
    ]);
    expect(fix.revoke).toEqual([]);
    expect(commandFor(fix, [{ ip: '100.100.17.91', port: 9848 }])).toMatch(
      /--Permissions\.1\.DestCidrIp 100\.100\.17\.91\/32 .*'mse-watch governance-rules'$/,
    );
  });

  it('a basic group whose priority-1 Drop covers one governance IP blocks its three ports, and only removal fixes it', () => {
    const basic = {
      id: 'sg-basic',
      type: 'normal' as const,
      rules: [
        rule({ id: 'sgr-drop', policy: 'drop', priority: 1, protocol: 'ALL', destCidr: '100.100.45.175/32' }),
      ],
    };
    const audit = auditSecurityGroup(basic, NO_LISTS, targets);
    expect(audit.blocked.map((b) => [b.ip, b.port, b.by, b.fixableByAccept])).toEqual([
      ['100.100.45.175', 8080, 'sgr-drop', false],
      ['100.100.45.175', 8848, 'sgr-drop', false],
      ['100.100.45.175', 9848, 'sgr-drop', false],
    ]);
    expect(audit.blocked[0]!.detail).toBe(
      'rule sgr-drop (priority 1 Drop ALL to 100.100.45.175/32 ports -1/-1)',
    );
    const fix = securityGroupFix(hangzhou, catalog.version, audit)!;
    expect(fix.commands).toEqual([]);
    expect(fix.revoke).toEqual([
      'aliyun ecs RevokeSecurityGroupEgress --RegionId cn-hangzhou --SecurityGroupId sg-basic --SecurityGroupRuleId.1 sgr-drop',
    ]);
    // the same Drop at priority 2 is outranked by Accept rules at priority 1
    const later = auditSecurityGroup(
      { ...basic, rules: [{ ...basic.rules[0]!, priority: 2 }] },
      NO_LISTS,
      targets,
    );
    expect(later.blocked.every((b) => b.fixableByAccept)).toBe(true);
    expect(securityGroupFix(hangzhou, catalog.version, later)!.commands).toHaveLength(1);
  });

  it('a clean group needs no fix', () => {
    expect(
      securityGroupFix(
        hangzhou,
        catalog.version,
        auditSecurityGroup({ id: 'sg-ok', type: 'normal', rules: [] }, NO_LISTS, targets),
      ),
    ).toBeUndefined();
  });

  it.each([
    ['plain', 'plain'],
    ['two words', "'two words'"],
    ["it's", `'it'\\''s'`],
  ])('quotes %s for the shell as %s', (text, quoted) => expect(shellWord(text)).toBe(quoted));
});

describe('routes: a more specific custom route diverts catalog addresses from the system route', () => {
  const system = (destination: string) => ({ destination, type: 'System', nextHopType: 'local' });
  const table = (entries: RouteTableInput['entries'], listsCloudRoute = true): RouteTableInput => ({
    routeTableId: 'vtb-1',
    type: 'System',
    vSwitchIds: ['vsw-1'],
    entries: [system('192.168.0.0/24'), ...(listsCloudRoute ? [system('100.64.0.0/10')] : []), ...entries],
  });
  const ips = targets.map((t) => t.ip);
  const governance = ['100.100.45.175', '100.100.45.174', '100.100.45.190', '100.100.17.91'];

  it('100.100.0.0/16 to a VPN gateway diverts every 100.100.x address and no 100.103.x one', () => {
    const { diversions } = evaluateRoutes(
      [
        table([
          {
            id: 'rte-vpn',
            destination: '100.100.0.0/16',
            type: 'Custom',
            nextHopType: 'VpnGateway',
            nextHopId: 'vpn-1',
          },
        ]),
      ],
      ips,
    );
    expect(diversions).toHaveLength(1);
    expect(diversions[0]).toMatchObject({
      routeTableId: 'vtb-1',
      routeEntryId: 'rte-vpn',
      destination: '100.100.0.0/16',
      nextHopType: 'VpnGateway',
      nextHopId: 'vpn-1',
      overrides: '100.64.0.0/10',
      vSwitchIds: ['vsw-1'],
    });
    expect(diversions[0]!.diverts).toEqual([...new Set(ips.filter((ip) => ip.startsWith('100.100.')))]);
    expect(diversions[0]!.diverts).toEqual(expect.arrayContaining(governance));
  });

  it.each([
    [
      'a default route to NAT is less specific',
      [{ destination: '0.0.0.0/0', type: 'Custom', nextHopType: 'NatGateway', nextHopId: 'ngw-1' }],
      0,
    ],
    [
      'a system route is never a diversion',
      [{ destination: '100.100.0.0/16', type: 'System', nextHopType: 'local' }],
      0,
    ],
    [
      'a custom route as wide as the system route does not win',
      [{ destination: '100.64.0.0/10', type: 'Custom', nextHopType: 'Instance', nextHopId: 'i-1' }],
      0,
    ],
    [
      'a /32 to an instance diverts that address',
      [{ destination: '100.103.35.248/32', type: 'Custom', nextHopType: 'Instance', nextHopId: 'i-1' }],
      1,
    ],
    [
      'a learned BGP route diverts too',
      [{ destination: '100.100.45.0/24', type: 'BGP', nextHopType: 'RouterInterface', nextHopId: 'ri-1' }],
      3,
    ],
    [
      'an IPv6 route does not',
      [{ destination: '2408:4000::/32', type: 'Custom', nextHopType: 'IPv6Gateway' }],
      0,
    ],
  ])('%s', (_, entries, diverted) => {
    const { diversions } = evaluateRoutes([table(entries)], ips);
    expect(diversions.flatMap((d) => d.diverts)).toHaveLength(diverted);
  });

  it('assumes the cloud-service route when a listing leaves it out', () => {
    const { diversions, tables } = evaluateRoutes(
      [
        table(
          [{ destination: '100.100.0.0/16', type: 'Custom', nextHopType: 'VpnGateway', nextHopId: 'vpn-1' }],
          false,
        ),
      ],
      ips,
    );
    expect(diversions[0]?.overrides).toBe('100.64.0.0/10');
    expect(tables[0]!.uncovered).toEqual([]);
  });

  it('names addresses no system route covers (public ARMS, finance 10.x) instead of judging them', () => {
    const withArms = regionTargets(hangzhou, { includeArms: true }).map((t) => t.ip);
    const { tables } = evaluateRoutes([table([])], withArms);
    expect(tables[0]).toEqual({
      routeTableId: 'vtb-1',
      type: 'System',
      vSwitchIds: ['vsw-1'],
      entries: 2,
      uncovered: ['121.43.177.209'],
    });
  });
});

describe('MSE instances', () => {
  const nacos: MseInstance = {
    instanceId: 'mse-cn-1',
    clusterType: 'Nacos-Ans',
    intranetDomain: 'mse-abc-nacos-ans.mse.aliyuncs.com',
    ports: [8848, 6443, 9848],
  };

  it('resolves nacos: {instanceId} to the intranet domain on 8848', () => {
    expect(nacosServerAddress(nacos)).toBe('mse-abc-nacos-ans.mse.aliyuncs.com:8848');
    expect(() => nacosServerAddress({ ...nacos, clusterType: 'ZooKeeper' })).toThrow(
      /runs ZooKeeper, not Nacos/,
    );
    expect(() => nacosServerAddress({ ...nacos, intranetDomain: undefined, initStatus: 'CREATING' })).toThrow(
      /has no intranet domain yet \(status CREATING\)/,
    );
  });

  it.each([
    [['02:00', '06:00'], { start: '02:00', end: '06:00', timezone: 'Asia/Shanghai' }],
    [['2:00', '6:30'], { start: '02:00', end: '06:30', timezone: 'Asia/Shanghai' }],
    [['02:00:00', '06:00:00'], { start: '02:00', end: '06:00', timezone: 'Asia/Shanghai' }],
    [['18:00Z', '22:00Z'], { start: '18:00', end: '22:00', timezone: 'UTC' }],
    [['25:00', '06:00'], undefined],
    [['02:00', '02:00'], undefined],
    [[undefined, '06:00'], undefined],
  ] as const)('reads the maintenance period %j', ([start, end], expected) => {
    expect(parseMaintenancePeriod(start, end)).toEqual(expected);
  });

  it.each([
    ['02:00', '06:00', '2026-03-01T19:00:00Z', true], // 03:00 in Shanghai
    ['02:00', '06:00', '2026-03-01T23:00:00Z', false], // 07:00
    ['02:00', '06:00', '2026-03-01T18:00:00Z', true], // 02:00 sharp
    ['02:00', '06:00', '2026-03-01T22:00:00Z', false], // 06:00 sharp: the end is outside
    ['23:00', '01:00', '2026-03-01T16:30:00Z', true], // 00:30, across midnight
    ['23:00', '01:00', '2026-03-01T17:30:00Z', false], // 01:30
  ])('%s-%s Asia/Shanghai at %s: in maintenance %s', (start, end, now, inside) => {
    expect(inMaintenancePeriod({ start, end, timezone: 'Asia/Shanghai' }, new Date(now))).toBe(inside);
  });

  it('gives the period as an alerting maintenance window', () => {
    const window = maintenanceWindowFor(
      { ...nacos, maintenancePeriod: { start: '02:00', end: '06:00', timezone: 'Asia/Shanghai' } },
      ['nacos/*'],
    );
    expect(MaintenanceWindow.parse(window)).toMatchObject({
      match: ['nacos/*'],
      start: '02:00',
      end: '06:00',
      timezone: 'Asia/Shanghai',
    });
    expect(maintenanceWindowFor(nacos, ['*'])).toBeUndefined();
  });

  it.each([
    ['8848,6443,9848,8761', [8848, 6443, 9848, 8761]],
    ['8848, 9848', [8848, 9848]],
    ['', []],
    ['8848,99999,x', [8848]],
  ])('ports %j', (text, ports) => expect(parsePorts(text)).toEqual(ports));

  it.each([
    [{ health: 'GREEN', initStatus: 'INIT_SUCCESS' }, 'ok'],
    [{ initStatus: 'RESTART_SUCCESS' }, 'ok'],
    [{ initStatus: 'CREATING' }, 'busy'],
    [{ health: 'RED', initStatus: 'INIT_SUCCESS' }, 'trouble'],
    [{ initStatus: 'INIT_FAILED' }, 'trouble'],
    [{}, 'unknown'],
  ])('condition of %j is %s', (status, condition) => {
    expect(instanceCondition({ ...nacos, ...status })).toBe(condition);
  });
});

describe('explaining failing probes by the audit', () => {
  const audit = {
    securityGroups: [
      {
        id: 'sg-ent',
        type: 'enterprise',
        egressRules: 1,
        allowed: 0,
        blocked: [
          {
            ip: '100.100.45.174',
            port: 9848,
            category: 'governance-rules',
            required: true,
            by: 'enterprise-default-deny',
            detail: 'no rule accepts it',
            fixableByAccept: true,
          },
          {
            ip: '100.103.42.233',
            port: 80,
            category: 'metrics-events',
            required: true,
            by: 'sgr-drop',
            detail: 'rule sgr-drop (priority 1 Drop TCP to 100.103.0.0/16 ports 80/80)',
            fixableByAccept: false,
          },
        ],
        notEvaluated: [
          {
            ip: '100.100.32.118',
            port: 80,
            category: 'diagnostics',
            required: true,
            rules: ['sgr-pl'],
            reason: 'prefix list pl-1 unread',
          },
        ],
      },
    ],
    routes: [
      {
        routeTableId: 'vtb-1',
        routeEntryId: 'rte-1',
        destination: '100.100.0.0/16',
        type: 'Custom',
        nextHopType: 'VpnGateway',
        nextHopId: 'vpn-1',
        overrides: '100.64.0.0/10',
        diverts: ['100.100.45.174'],
        vSwitchIds: [],
      },
    ],
    routeTables: [{ routeTableId: 'vtb-1', type: 'System', vSwitchIds: [], entries: 3, uncovered: [] }],
    networkAcls: [],
    ecsInstances: [],
  } as unknown as AuditReport;
  const row = (ip: string, port: number, status: ProbeRow['status']): ProbeRow => ({
    ip,
    port,
    category: 'x',
    required: true,
    status,
    latencyMs: 1,
    attempts: 1,
  });

  it('names the rule, the default and the route for each failing endpoint, and says when the cloud side lets it out', () => {
    const explained = explainFailures(
      [
        row('100.100.45.174', 9848, 'timeout'),
        row('100.103.42.233', 80, 'timeout'),
        row('100.100.32.118', 80, 'timeout'),
        row('100.103.35.248', 8080, 'refused'),
        row('100.103.35.249', 8080, 'ok'),
      ],
      audit,
    );
    expect(explained.map((e) => e.text)).toEqual([
      '100.100.45.174:9848: security group sg-ent blocks it: no rule accepts it; route table vtb-1 sends it to VpnGateway vpn-1 (route 100.100.0.0/16, rte-1)',
      '100.103.42.233:80: security group sg-ent drops it by rule sgr-drop (priority 1 Drop TCP to 100.103.0.0/16 ports 80/80)',
      '100.100.32.118:80: security group sg-ent may block it (rules sgr-pl not evaluated: prefix list pl-1 unread)',
      '100.103.35.248:8080: the audited cloud configuration (sg-ent, vtb-1) lets it out; look at the MSE side, a network ACL, or the host',
    ]);
    expect(explained[1]!.causes).toEqual([
      {
        kind: 'security-group-rule',
        securityGroupId: 'sg-ent',
        ruleId: 'sgr-drop',
        detail: expect.any(String),
      },
    ]);
    const findings = withCloudCauses(
      [
        {
          severity: 'critical',
          category: 'metrics-events',
          symptom: 's',
          cause: 'Connections time out',
          action: 'a',
          endpoints: ['100.103.42.233:80'],
        },
        {
          severity: 'critical',
          category: 'basic-info',
          symptom: 's',
          cause: 'Refused',
          action: 'a',
          endpoints: ['100.103.35.248:8080'],
        },
      ],
      explained,
    );
    expect(findings[0]!.cause).toBe(
      'Connections time out. Cloud side: 100.103.42.233:80: security group sg-ent drops it by rule sgr-drop (priority 1 Drop TCP to 100.103.0.0/16 ports 80/80)',
    );
    expect(findings[1]!.cause).toBe('Refused');
  });

  it("says one explanation once for every endpoint it covers, and ends the finding's sentence once", () => {
    const rule = {
      kind: 'security-group-rule' as const,
      securityGroupId: 'sg-1',
      ruleId: 'sgr-1',
      detail: 'rule sgr-1',
    };
    const route = {
      kind: 'route' as const,
      routeTableId: 'vtb-1',
      destination: '100.100.17.91/32',
      nextHopType: 'VpnGateway',
      nextHopId: 'vpn-1',
    };
    const at = (endpoint: string, causes: Array<typeof rule | typeof route>) => ({
      endpoint,
      causes,
      text: '',
    });
    const [finding] = withCloudCauses(
      [
        {
          severity: 'critical',
          category: 'governance-rules',
          symptom: 's',
          cause: 'They answer on none of their ports.',
          action: 'a',
          endpoints: [
            '100.100.45.175:8080',
            '100.100.45.175:8848',
            '100.100.17.91:8848',
            '100.100.45.174:8848',
          ],
        },
      ],
      [
        at('100.100.45.175:8080', [rule]),
        at('100.100.45.175:8848', [rule]),
        at('100.100.17.91:8848', [route]),
        at('100.100.45.174:8848', [rule]),
      ],
    );
    expect(finding!.cause).toBe(
      'They answer on none of their ports. Cloud side: 100.100.45.175 (ports 8080, 8848), 100.100.45.174:8848: security group sg-1 drops it by rule sgr-1; 100.100.17.91:8848: route table vtb-1 sends it to VpnGateway vpn-1 (route 100.100.17.91/32)',
    );
  });
});
