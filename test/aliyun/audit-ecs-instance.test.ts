import { describe, expect, it } from 'vitest';
import { loadCatalog, regionTargets, resolveRegion } from '../../shared/catalog/index.ts';
import { auditEcsInstance, type EcsInstanceInput } from '../../shared/diagnose/audit/ecs-instance.ts';
import { explainFailures } from '../../shared/diagnose/audit/explain.ts';
import { auditFindings } from '../../shared/diagnose/audit/findings.ts';
import { ecsInstanceFix } from '../../shared/diagnose/audit/fix.ts';
import type { AuditReport } from '../../shared/diagnose/audit/report.ts';
import {
  auditSecurityGroup,
  type EgressRule,
  type ReferencedLists,
} from '../../shared/diagnose/audit/security-group.ts';

// An ECS instance's security groups apply together: one list of rules sorted by priority, Drop winning a tie,
// the groups' common default when nothing matches. Pure evaluation here; the CLI and the run are in
// audit-ecs-cli.test.ts.

const catalog = loadCatalog();
const hangzhou = resolveRegion(catalog, 'cn-hangzhou');
const targets = regionTargets(hangzhou, { includeArms: false });
const NO_LISTS: ReferencedLists = { prefixLists: {}, portRangeLists: {} };
const GOVERNANCE = ['100.100.45.175', '100.100.45.174', '100.100.45.190', '100.100.17.91'];

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

const instance = (groups: EcsInstanceInput['groups'], over: Partial<EcsInstanceInput> = {}) =>
  ({
    instanceId: 'i-app',
    securityGroupIds: groups.map((g) => g.id),
    vpcId: 'vpc-app',
    vSwitchId: 'vsw-app',
    secondaryNetworkInterfaceIds: [],
    groups,
    ...over,
  }) satisfies EcsInstanceInput;

/** An enterprise group that lets out everything MSE needs but 9848, and one that lets out only 9848. */
const noGrpc = {
  id: 'sg-a',
  type: 'enterprise' as const,
  rules: [
    rule({ id: 'sgr-web', portRange: '80/80', destCidr: '100.64.0.0/10' }),
    rule({ id: 'sgr-8080', portRange: '8080/8080', destCidr: '100.64.0.0/10' }),
    rule({ id: 'sgr-8848', portRange: '8848/8848', destCidr: '100.64.0.0/10' }),
  ],
};
const grpcOnly = {
  id: 'sg-b',
  type: 'enterprise' as const,
  rules: [rule({ id: 'sgr-9848', portRange: '9848/9848', destCidr: '100.100.0.0/16', priority: 50 })],
};

describe("an ECS instance's groups, evaluated together", () => {
  it('two enterprise groups where only the second accepts 9848: nothing blocked, though each group alone blocks', () => {
    // each on its own, as `--security-group` evaluates it: both block something
    expect(auditSecurityGroup(noGrpc, NO_LISTS, targets).blocked.map((b) => `${b.ip}:${b.port}`)).toEqual(
      GOVERNANCE.map((ip) => `${ip}:9848`),
    );
    expect(auditSecurityGroup(grpcOnly, NO_LISTS, targets).blocked.length).toBe(targets.length - 4);

    const audit = auditEcsInstance(instance([noGrpc, grpcOnly]), NO_LISTS, targets);
    expect(audit).toEqual({
      instanceId: 'i-app',
      securityGroupIds: ['sg-a', 'sg-b'],
      type: 'enterprise',
      vpcId: 'vpc-app',
      vSwitchId: 'vsw-app',
      evaluated: true,
      egressRules: 4,
      allowed: targets.length,
      blocked: [],
      notEvaluated: [],
      secondaryNetworkInterfaceIds: [],
      networkInterfaces: [],
    });
    expect(ecsInstanceFix(hangzhou, catalog.version, audit)).toBeUndefined();
  });

  it("the enterprise default decides when no group's rule matches, and the fix goes to the first group", () => {
    const audit = auditEcsInstance(instance([noGrpc, { ...grpcOnly, rules: [] }]), NO_LISTS, targets);
    expect(audit.blocked.map((b) => [b.ip, b.port, b.by, b.groupId, b.fixableByAccept])).toEqual(
      GOVERNANCE.map((ip) => [ip, 9848, 'enterprise-default-deny', null, true]),
    );
    expect(audit.blocked[0]!.detail).toBe(
      'no rule of its security groups accepts it, and enterprise (advanced) security groups deny outbound traffic that no rule accepts',
    );
    const fix = ecsInstanceFix(hangzhou, catalog.version, audit)!;
    expect(fix).toMatchObject({ securityGroupId: 'sg-a', ecsInstanceId: 'i-app', revoke: [] });
    expect(fix.permissions).toEqual([
      {
        Action: 'AuthorizeSecurityGroupEgress',
        RegionId: 'cn-hangzhou',
        SecurityGroupId: 'sg-a',
        Permissions: GOVERNANCE.map((ip) => ({
          IpProtocol: 'TCP',
          PortRange: '9848/9848',
          DestCidrIp: `${ip}/32`,
          Policy: 'accept',
          Priority: '1',
          Description: 'mse-watch governance-rules',
        })),
      },
    ]);
  });

  it("a basic group's priority-1 Drop beats the other group's priority-1 Accept (Drop wins the tie); only revoking it in its group fixes it", () => {
    const dropper = {
      id: 'sg-a',
      type: 'normal' as const,
      rules: [rule({ id: 'sgr-drop', policy: 'drop', protocol: 'ALL', destCidr: '100.100.45.175/32' })],
    };
    const acceptor = {
      id: 'sg-b',
      type: 'normal' as const,
      rules: [rule({ id: 'sgr-accept', destCidr: '100.100.45.175/32' })],
    };
    // the Accept's group listed first, so the tie is not settled by the order the groups come in
    for (const groups of [
      [dropper, acceptor],
      [acceptor, dropper],
    ]) {
      const audit = auditEcsInstance(instance(groups), NO_LISTS, targets);
      expect(audit.type).toBe('normal');
      expect(audit.blocked.map((b) => [b.ip, b.port, b.by, b.groupId, b.fixableByAccept])).toEqual(
        [8080, 8848, 9848].map((port) => ['100.100.45.175', port, 'sgr-drop', 'sg-a', false]),
      );
      expect(audit.blocked[0]!.detail).toBe(
        'rule sgr-drop of sg-a (priority 1 Drop ALL to 100.100.45.175/32 ports -1/-1)',
      );
      expect(audit.allowed).toBe(targets.length - 3);
      const fix = ecsInstanceFix(hangzhou, catalog.version, audit)!;
      expect(fix.permissions).toEqual([]);
      expect(fix.revoke).toEqual([
        'aliyun ecs RevokeSecurityGroupEgress --RegionId cn-hangzhou --SecurityGroupId sg-a --SecurityGroupRuleId.1 sgr-drop',
      ]);
    }
  });

  it('a lower-numbered Drop in one group outranks a later Accept in another; a priority-1 Accept in the first group would outrank it', () => {
    const audit = auditEcsInstance(
      instance([
        { id: 'sg-a', type: 'normal', rules: [rule({ id: 'sgr-late-accept', priority: 10 })] },
        {
          id: 'sg-b',
          type: 'normal',
          rules: [rule({ id: 'sgr-drop5', policy: 'drop', priority: 5, destCidr: '100.100.17.91/32' })],
        },
      ]),
      NO_LISTS,
      targets,
    );
    expect(audit.blocked.map((b) => [b.ip, b.port, b.groupId, b.fixableByAccept])).toEqual(
      [8080, 8848, 9848].map((port) => ['100.100.17.91', port, 'sg-b', true]),
    );
    const fix = ecsInstanceFix(hangzhou, catalog.version, audit)!;
    expect(fix.securityGroupId).toBe('sg-a');
    expect(fix.revoke).toEqual([]);
    expect(fix.commands[0]).toMatch(/--SecurityGroupId sg-a --Permissions\.1\.IpProtocol TCP/);
  });

  it('groups of different types (which ECS forbids) are not evaluated: no guess at the default', () => {
    const audit = auditEcsInstance(
      instance([noGrpc, { id: 'sg-basic', type: 'normal', rules: [] }]),
      NO_LISTS,
      targets,
    );
    expect(audit).toMatchObject({
      type: 'mixed',
      evaluated: false,
      allowed: 0,
      blocked: [],
      notEvaluated: [],
      egressRules: 3,
    });
    expect(audit.reason).toBe(
      'its security groups are of different types (sg-a enterprise, sg-basic basic), which ECS does not allow for one instance: which default applies to traffic no rule matches is unknown',
    );
    expect(ecsInstanceFix(hangzhou, catalog.version, audit)).toBeUndefined();
  });

  it('a group that could not be read leaves the instance not evaluated, naming the group', () => {
    const audit = auditEcsInstance(
      instance([noGrpc, { id: 'sg-b', unreadable: 'RAM denied ecs:DescribeSecurityGroupAttribute' }]),
      NO_LISTS,
      targets,
    );
    expect(audit).toMatchObject({ type: 'unknown', evaluated: false, allowed: 0 });
    expect(audit.reason).toMatch(
      /^security group sg-b could not be read \(RAM denied ecs:DescribeSecurityGroupAttribute\): the rules of all the instance's groups apply together/,
    );
  });

  it("a list another group's rule needs and cannot be read leaves the endpoint not evaluated, never allowed", () => {
    const lists: ReferencedLists = {
      prefixLists: { 'pl-mse': { unresolved: 'RAM denied ecs:DescribePrefixListAttributes' } },
      portRangeLists: {},
    };
    const audit = auditEcsInstance(
      instance([
        noGrpc,
        {
          id: 'sg-b',
          type: 'enterprise',
          rules: [
            rule({ id: 'sgr-pl', destCidr: undefined, destPrefixListId: 'pl-mse', portRange: '9848/9848' }),
          ],
        },
      ]),
      lists,
      targets,
    );
    expect(audit.blocked).toEqual([]);
    expect(audit.notEvaluated.map((u) => [`${u.ip}:${u.port}`, u.rules])).toEqual(
      GOVERNANCE.map((ip) => [`${ip}:9848`, ['sgr-pl']]),
    );
  });
});

describe('findings and explanations name the instance, the rule and its group', () => {
  const dropAudit = auditEcsInstance(
    instance([
      {
        id: 'sg-a',
        type: 'normal',
        rules: [rule({ id: 'sgr-drop', policy: 'drop', protocol: 'ALL', destCidr: '100.100.45.175/32' })],
      },
      { id: 'sg-b', type: 'normal', rules: [rule({ id: 'sgr-accept', destCidr: '100.100.45.175/32' })] },
    ]),
    NO_LISTS,
    targets,
  );
  const entAudit = auditEcsInstance(
    instance([noGrpc, { ...grpcOnly, rules: [] }], {
      instanceId: 'i-ent',
      secondaryNetworkInterfaceIds: ['eni-2'],
    }),
    NO_LISTS,
    targets,
  );
  const findingsFor = (instances: AuditReport['ecsInstances']) =>
    auditFindings({
      catalog,
      region: hangzhou,
      targets,
      securityGroups: [],
      ecsInstances: instances,
      fixes: instances.flatMap((i) => ecsInstanceFix(hangzhou, catalog.version, i) ?? []),
      routes: [],
      routeTables: [],
      instances: [],
      instanceAsked: true,
    });

  it('a priority-1 Drop: the revoke names the group the rule is in', () => {
    const [finding, ...rest] = findingsFor([dropAudit]);
    expect(rest).toEqual([]);
    expect(finding).toEqual({
      severity: 'critical',
      category: 'governance-rules',
      symptom: `Instance i-app (groups sg-a, sg-b) blocks outbound TCP to 3 governance-rules endpoints (port 8080, 8848, 9848): ${catalog.categories.find((c) => c.id === 'governance-rules')!.usage} fails from this instance`,
      cause: 'Rule sgr-drop of sg-a (priority 1 Drop ALL to 100.100.45.175/32 ports -1/-1)',
      action:
        "Rule sgr-drop of sg-a drops them at priority 1 and Drop wins a tie, so no Accept rule in any of the instance's groups can outrank it: narrow it so it no longer covers these addresses, or remove it (aliyun ecs RevokeSecurityGroupEgress --RegionId cn-hangzhou --SecurityGroupId sg-a --SecurityGroupRuleId.1 sgr-drop) and check what else it was meant to stop",
      endpoints: ['100.100.45.175:8080', '100.100.45.175:8848', '100.100.45.175:9848'],
    });
  });

  it('the default: the Accept goes to the first group, and a secondary ENI is mentioned', () => {
    const findings = findingsFor([entAudit]);
    expect(findings[0]!.symptom).toMatch(
      /^Instance i-ent \(groups sg-a, sg-b\) blocks outbound TCP to 4 governance-rules endpoints \(port 9848\)/,
    );
    expect(findings[0]!.action).toMatch(
      /^Add egress Accept rules for these endpoints to sg-a, the first of the instance's groups \(a rule in any of them applies to the whole instance\): aliyun ecs AuthorizeSecurityGroupEgress --RegionId cn-hangzhou --SecurityGroupId sg-a /,
    );
    expect(findings.at(-1)).toMatchObject({
      severity: 'info',
      category: 'audit',
      symptom:
        'Instance i-ent (groups sg-a, sg-b) has secondary network interfaces (eni-2) whose security groups were not audited',
    });
  });

  it('mixed group types: a warning that says it was not evaluated', () => {
    const mixed = auditEcsInstance(
      instance([noGrpc, { id: 'sg-basic', type: 'normal', rules: [] }], { instanceId: 'i-mixed' }),
      NO_LISTS,
      targets,
    );
    expect(findingsFor([mixed])).toEqual([
      expect.objectContaining({
        severity: 'warning',
        category: 'audit',
        symptom: 'Instance i-mixed (groups sg-a, sg-basic): not evaluated',
        cause: expect.stringMatching(/^Its security groups are of different types/),
      }),
    ]);
  });

  it('a failing endpoint is explained by the instance, the rule and its group', () => {
    const report = {
      securityGroups: [],
      routes: [],
      routeTables: [],
      networkAcls: [],
      ecsInstances: [dropAudit, entAudit],
    } as unknown as AuditReport;
    const row = (ip: string, port: number) => ({
      ip,
      port,
      category: 'governance-rules',
      required: true,
      status: 'timeout' as const,
      latencyMs: 3000,
      attempts: 1,
    });
    const [dropped, denied, fine] = explainFailures(
      [row('100.100.45.175', 8848), row('100.100.17.91', 9848), row('100.100.17.91', 8848)],
      report,
    );
    expect(dropped!.causes).toEqual([
      {
        kind: 'instance-rule',
        instanceId: 'i-app',
        securityGroupIds: ['sg-a', 'sg-b'],
        securityGroupId: 'sg-a',
        ruleId: 'sgr-drop',
        detail: 'rule sgr-drop of sg-a (priority 1 Drop ALL to 100.100.45.175/32 ports -1/-1)',
      },
    ]);
    expect(dropped!.text).toBe(
      '100.100.45.175:8848: instance i-app (groups sg-a, sg-b) drops it by rule sgr-drop of sg-a (priority 1 Drop ALL to 100.100.45.175/32 ports -1/-1)',
    );
    expect(denied!.text).toBe(
      '100.100.17.91:9848: instance i-ent (groups sg-a, sg-b) blocks it: no rule of its security groups accepts it, and enterprise (advanced) security groups deny outbound traffic that no rule accepts',
    );
    expect(fine!.causes).toEqual([]);
    expect(fine!.text).toContain('instance i-app, instance i-ent');
  });
});
