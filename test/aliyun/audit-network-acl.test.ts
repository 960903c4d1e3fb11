import { describe, expect, it } from 'vitest';
import { loadCatalog, regionTargets, resolveRegion } from '../../shared/catalog/index.ts';
import { explainFailures } from '../../shared/diagnose/audit/explain.ts';
import { auditFindings } from '../../shared/diagnose/audit/findings.ts';
import {
  type AclEntry,
  auditNetworkAcl,
  evaluateAclEgress,
  evaluateAclReplies,
  networkAclFix,
} from '../../shared/diagnose/audit/network-acl.ts';
import type { AuditReport } from '../../shared/diagnose/audit/report.ts';

// Network ACLs as the VPC documentation describes them: first matching entry (by position) decides, none
// matching denies, the port range is the destination port both ways, and the replies need inbound entries.

const catalog = loadCatalog();
const hangzhou = resolveRegion(catalog, 'cn-hangzhou');
const targets = regionTargets(hangzhou, { includeArms: false });

let n = 0;
const entry = (over: Partial<AclEntry> & Pick<AclEntry, 'policy' | 'cidr'>): AclEntry => ({
  id: `nae-${++n}`,
  position: n,
  entryType: 'custom',
  protocol: 'all',
  port: '-1/-1',
  ipVersion: 'IPv4',
  ...over,
});
const ordered = (...entries: AclEntry[]): AclEntry[] => entries.map((e, i) => ({ ...e, position: i + 1 }));
const allowAll = (cidr = '0.0.0.0/0') => entry({ policy: 'accept', cidr });

describe('network ACL evaluation (pure)', () => {
  it('outbound: the first matching entry decides, in list order, and nothing matching denies', () => {
    const drop9848 = entry({
      id: 'nae-drop9848',
      policy: 'drop',
      protocol: 'tcp',
      port: '9848/9848',
      cidr: '100.100.0.0/16',
    });
    const entries = ordered(drop9848, allowAll());
    expect(evaluateAclEgress(entries, { ip: '100.100.45.175', port: 9848 })).toMatchObject({
      verdict: 'deny',
      by: { kind: 'entry', entry: { id: 'nae-drop9848' } },
    });
    expect(evaluateAclEgress(entries, { ip: '100.100.45.175', port: 8848 })).toEqual({ verdict: 'allow' });
    // the accept first: the drop never gets a say
    expect(evaluateAclEgress(ordered(allowAll(), drop9848), { ip: '100.100.45.175', port: 9848 })).toEqual({
      verdict: 'allow',
    });
    // udp, IPv6 and other addresses do not match; nothing else does, so the ACL denies
    const none = ordered(
      entry({ policy: 'accept', protocol: 'udp', port: '1/65535', cidr: '0.0.0.0/0' }),
      entry({ policy: 'accept', cidr: '::/0', ipVersion: 'IPv6' }),
      entry({ policy: 'accept', cidr: '10.0.0.0/8' }),
    );
    expect(evaluateAclEgress(none, { ip: '100.100.45.175', port: 8848 })).toEqual({
      verdict: 'deny',
      by: { kind: 'default' },
    });
  });

  it('outbound: an entry with a prefix list before the decider with the other policy leaves it unknown', () => {
    const entries = ordered(entry({ id: 'nae-pl', policy: 'drop', cidr: 'pl-xyz' }), allowAll());
    expect(evaluateAclEgress(entries, { ip: '100.100.45.175', port: 8848 })).toMatchObject({
      verdict: 'unknown',
      entries: [{ id: 'nae-pl' }],
    });
  });

  it('replies: the whole ephemeral range accepted, none, or part of it', () => {
    expect(evaluateAclReplies(ordered(allowAll()), '100.100.45.175')).toEqual({ verdict: 'allow' });
    expect(
      evaluateAclReplies(
        ordered(entry({ policy: 'accept', protocol: 'tcp', port: '1024/65535', cidr: '100.100.45.175/32' })),
        '100.100.45.175',
      ),
    ).toEqual({ verdict: 'allow' });
    // only port 80 accepted: every reply (to a port >= 1024) falls to the drop-all
    const only80 = ordered(
      entry({ id: 'nae-80', policy: 'accept', protocol: 'tcp', port: '80/80', cidr: '0.0.0.0/0' }),
      entry({ id: 'nae-dropall', policy: 'drop', cidr: '0.0.0.0/0' }),
    );
    expect(evaluateAclReplies(only80, '100.100.45.175')).toEqual({
      verdict: 'deny',
      partial: false,
      dropped: [[1024, 65535]],
      by: { kind: 'entry', entry: expect.objectContaining({ id: 'nae-dropall' }) },
      linuxCovered: false,
    });
    // Linux's range accepted, the rest left to the ACL's default: partly
    const linux = ordered(
      entry({ policy: 'accept', protocol: 'tcp', port: '32768/60999', cidr: '0.0.0.0/0' }),
    );
    expect(evaluateAclReplies(linux, '100.100.45.175')).toEqual({
      verdict: 'deny',
      partial: true,
      dropped: [
        [1024, 32767],
        [61000, 65535],
      ],
      by: { kind: 'default' },
      linuxCovered: true,
    });
    // a drop of part of the range before an accept of all of it
    const hole = ordered(
      entry({ id: 'nae-hole', policy: 'drop', protocol: 'tcp', port: '40000/40010', cidr: '100.100.0.0/16' }),
      allowAll(),
    );
    expect(evaluateAclReplies(hole, '100.100.45.175')).toMatchObject({
      verdict: 'deny',
      partial: true,
      dropped: [[40000, 40010]],
      by: { kind: 'entry', entry: { id: 'nae-hole' } },
      linuxCovered: false,
    });
    // another address's entries do not matter
    expect(evaluateAclReplies(hole, '100.103.35.248')).toEqual({ verdict: 'allow' });
  });

  it('audits every endpoint both ways; the metadata server is never judged; the fix keeps the custom entries', () => {
    const acl = {
      id: 'nacl-app',
      vSwitchIds: ['vsw-app'],
      egress: ordered(allowAll()),
      ingress: ordered(
        entry({
          id: 'nae-in80',
          name: 'web',
          policy: 'accept',
          protocol: 'tcp',
          port: '80/80',
          cidr: '0.0.0.0/0',
        }),
        entry({ id: 'nae-sys', entryType: 'system', policy: 'drop', cidr: '0.0.0.0/0' }),
      ),
    };
    const audit = auditNetworkAcl(acl, targets);
    // everything but 100.100.100.200 (always allowed) has its replies dropped
    expect(audit.allowed).toBe(1);
    expect(audit.blocked).toHaveLength(targets.length - 1);
    expect(audit.blocked.every((b) => b.direction === 'ingress' && b.by === 'nae-sys' && !b.partial)).toBe(
      true,
    );
    expect(audit.blocked.find((b) => b.ip === '100.100.45.175' && b.port === 9848)).toEqual({
      ip: '100.100.45.175',
      port: 9848,
      category: 'governance-rules',
      required: true,
      direction: 'ingress',
      by: 'nae-sys',
      detail:
        'the replies are dropped by ingress entry nae-sys (position 2 system Drop all from 0.0.0.0/0 ports -1/-1)',
      partial: false,
      droppedPorts: ['1024/65535'],
    });
    const fix = networkAclFix('cn-hangzhou', acl, audit.blocked) as {
      IngressAclEntries: Array<Record<string, string>>;
      UpdateIngressAclEntries: string;
      EgressAclEntries?: unknown;
    };
    expect(fix.UpdateIngressAclEntries).toBe('true');
    expect(fix.EgressAclEntries).toBeUndefined();
    // one entry per address (the replies of all its ports), then the ACL's own custom entry; the system one is the system's
    const ips = new Set(audit.blocked.map((b) => b.ip));
    expect(fix.IngressAclEntries).toHaveLength(ips.size + 1);
    expect(fix.IngressAclEntries[0]).toEqual({
      NetworkAclEntryName: 'mse-watch-replies',
      Policy: 'accept',
      Protocol: 'tcp',
      Port: '1024/65535',
      SourceCidrIp: '100.103.35.248/32',
      IpVersion: 'IPv4',
      EntryType: 'custom',
      Description: 'mse-watch replies from MSE (network ACLs are stateless)',
    });
    expect(fix.IngressAclEntries.at(-1)).toEqual({
      NetworkAclEntryId: 'nae-in80',
      NetworkAclEntryName: 'web',
      Policy: 'accept',
      Protocol: 'tcp',
      Port: '80/80',
      SourceCidrIp: '0.0.0.0/0',
      IpVersion: 'IPv4',
      EntryType: 'custom',
    });
  });

  it('findings: critical for required endpoints, the stateless wording for replies, a warning when Linux clients are fine', () => {
    const egressDrop = auditNetworkAcl(
      {
        id: 'nacl-a',
        vSwitchIds: ['vsw-app'],
        egress: ordered(
          entry({
            id: 'nae-drop9848',
            policy: 'drop',
            protocol: 'tcp',
            port: '9848/9848',
            cidr: '100.100.0.0/16',
          }),
          allowAll(),
        ),
        ingress: ordered(allowAll()),
      },
      targets,
    );
    const partly = auditNetworkAcl(
      {
        id: 'nacl-b',
        vSwitchIds: ['vsw-db'],
        egress: ordered(allowAll()),
        ingress: ordered(
          entry({ policy: 'accept', protocol: 'tcp', port: '32768/60999', cidr: '0.0.0.0/0' }),
        ),
      },
      targets,
    );
    const findings = auditFindings({
      catalog,
      region: hangzhou,
      targets,
      securityGroups: [],
      ecsInstances: [],
      fixes: [],
      routes: [],
      routeTables: [],
      networkAcls: [egressDrop, partly],
      instances: [],
      instanceAsked: true,
    });
    const drop = findings.find((f) => f.symptom.startsWith('Network ACL nacl-a'));
    expect(drop).toMatchObject({
      severity: 'critical',
      category: 'governance-rules',
      symptom:
        'Network ACL nacl-a (vSwitch vsw-app) blocks outbound TCP to 4 governance-rules endpoints (port 9848): Obtain governance rule configurations fails from instances in this vSwitch',
      cause: 'Egress entry nae-drop9848 (position 1 Drop tcp to 100.100.0.0/16 ports 9848/9848)',
    });
    const replies = findings.filter((f) => f.symptom.startsWith('Network ACL nacl-b'));
    expect(replies.length).toBeGreaterThan(0);
    expect(replies.every((f) => f.severity === 'warning')).toBe(true);
    expect(replies[0]!.symptom).toMatch(
      /drops part of the replies .* 1024\/32767, 61000\/65535 hang \(network ACLs are stateless\)/,
    );
    expect(replies[0]!.cause).toContain("Linux's default range 32768-60999 is accepted");
    expect(replies[0]!.cause).toMatch(
      /^The replies to ephemeral ports 1024\/32767, 61000\/65535 are dropped: no ingress entry accepts them, and a network ACL denies what no entry accepts\. /,
    );
    expect(replies[0]!.action).toMatch(
      /^Replies dropped: network ACLs are stateless, add an ingress rule accepting TCP from/,
    );
  });

  it('explains a failing endpoint by the ACL entry that drops it, or its replies', () => {
    const acl = auditNetworkAcl(
      {
        id: 'nacl-a',
        vSwitchIds: ['vsw-app'],
        egress: ordered(
          entry({
            id: 'nae-drop9848',
            policy: 'drop',
            protocol: 'tcp',
            port: '9848/9848',
            cidr: '100.100.0.0/16',
          }),
          allowAll(),
        ),
        ingress: ordered(entry({ id: 'nae-drop91', policy: 'drop', cidr: '100.100.17.91/32' }), allowAll()),
      },
      targets,
    );
    const report = {
      securityGroups: [],
      ecsInstances: [],
      routes: [],
      routeTables: [],
      networkAcls: [acl],
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
    const [out, back, fine] = explainFailures(
      [row('100.100.45.175', 9848), row('100.100.17.91', 8848), row('100.100.45.175', 8848)],
      report,
    );
    expect(out!.causes).toEqual([
      {
        kind: 'network-acl',
        networkAclId: 'nacl-a',
        vSwitchIds: ['vsw-app'],
        direction: 'egress',
        entryId: 'nae-drop9848',
        detail: 'egress entry nae-drop9848 (position 1 Drop tcp to 100.100.0.0/16 ports 9848/9848)',
      },
    ]);
    expect(out!.text).toBe(
      '100.100.45.175:9848: network ACL nacl-a (vSwitches vsw-app) drops it by egress entry nae-drop9848 (position 1 Drop tcp to 100.100.0.0/16 ports 9848/9848)',
    );
    expect(back!.text).toBe(
      '100.100.17.91:8848: network ACL nacl-a (vSwitches vsw-app): the replies are dropped by ingress entry nae-drop91 (position 1 Drop all from 100.100.17.91/32 ports -1/-1) (network ACLs are stateless: the replies need an inbound entry of their own)',
    );
    expect(fine!.causes).toEqual([]);
    expect(fine!.text).toContain('lets it out and its replies in');
  });
});
