import pc from 'picocolors';
import type { Severity } from '../../report/schema.ts';
import type { AuditReport } from './report.ts';

export type AuditTextOptions = { color: boolean };

const plural = (n: number, word: string, suffix = 's') => `${n} ${word}${n === 1 ? '' : suffix}`;

/** The human audit: security groups, routes, MSE instances, findings, the rules to add, what was not audited. */
export const renderAuditText = (report: AuditReport, options: AuditTextOptions): string => {
  const c = pc.createColors(options.color);
  const severity: Record<Severity, (text: string) => string> = {
    critical: c.red,
    warning: c.yellow,
    info: c.cyan,
  };
  const out: string[] = [];
  out.push(
    `${c.bold('mse-watch audit')} ${report.region} · ${report.startedAt} · ${Math.round(report.durationMs)} ms · catalog ${report.catalogVersion} · ${plural(report.requests, 'OpenAPI request')}`,
  );
  if (!report.includeArms) out.push(c.dim('ARMS endpoints left out (add --include-arms if you use ARMS)'));

  out.push('', c.bold('Security groups'));
  if (report.securityGroups.length === 0)
    out.push(
      c.dim(
        report.ecsInstances.length > 0
          ? "  none on its own (the instances' groups are evaluated together below)"
          : '  none audited (give --security-group ID or --ecs-instance ID)',
      ),
    );
  for (const group of report.securityGroups) {
    const total = group.allowed + group.blocked.length + group.notEvaluated.length;
    const state =
      group.blocked.length === 0 && group.notEvaluated.length === 0
        ? c.green(`all ${total} endpoints allowed`)
        : `${group.allowed} of ${total} allowed, ${c.red(`${group.blocked.length} blocked`)}${group.notEvaluated.length > 0 ? `, ${c.yellow(`${group.notEvaluated.length} not evaluated`)}` : ''}`;
    out.push(
      `  ${c.bold(group.id)}${group.name ? ` "${group.name}"` : ''} (${group.type === 'enterprise' ? 'enterprise' : 'basic'}, ${plural(group.egressRules, 'egress rule')}): ${state}`,
    );
    for (const b of group.blocked)
      out.push(
        `    ${c.red('blocked')}  ${b.ip}:${b.port}  ${b.category}${b.required ? '' : ' (optional)'}  by ${b.by}`,
      );
    for (const n of group.notEvaluated)
      out.push(`    ${c.yellow('unknown')}  ${n.ip}:${n.port}  ${n.category}  ${n.reason}`);
  }

  if (report.ecsInstances.length > 0) {
    out.push('', c.bold('ECS instances (their security groups together)'));
    for (const instance of report.ecsInstances) {
      const where = [instance.vSwitchId, instance.vpcId ? `in ${instance.vpcId}` : undefined].filter(Boolean);
      const head = `  ${c.bold(instance.instanceId)}${instance.name ? ` "${instance.name}"` : ''} (${instance.type === 'normal' ? 'basic' : instance.type}, groups ${instance.securityGroupIds.join(', ') || 'none'}${where.length > 0 ? `; ${where.join(' ')}` : ''})`;
      if (!instance.evaluated) {
        out.push(`${head}: ${c.yellow('not evaluated')}`, `    ${instance.reason ?? ''}`);
        continue;
      }
      const total = instance.allowed + instance.blocked.length + instance.notEvaluated.length;
      const state =
        instance.blocked.length === 0 && instance.notEvaluated.length === 0
          ? c.green(`all ${total} endpoints allowed`)
          : `${instance.allowed} of ${total} allowed, ${c.red(`${instance.blocked.length} blocked`)}${instance.notEvaluated.length > 0 ? `, ${c.yellow(`${instance.notEvaluated.length} not evaluated`)}` : ''}`;
      out.push(`${head}: ${state}`);
      for (const b of instance.blocked)
        out.push(
          `    ${c.red('blocked')}  ${b.ip}:${b.port}  ${b.category}${b.required ? '' : ' (optional)'}  by ${b.by}${b.groupId ? ` (${b.groupId})` : ''}`,
        );
      for (const n of instance.notEvaluated)
        out.push(`    ${c.yellow('unknown')}  ${n.ip}:${n.port}  ${n.category}  ${n.reason}`);
      for (const eni of instance.networkInterfaces) {
        const head = `    secondary ENI ${c.bold(eni.networkInterfaceId)} (${eni.type === 'normal' ? 'basic' : eni.type}, groups ${eni.securityGroupIds.join(', ') || 'none'})`;
        if (!eni.evaluated) {
          out.push(`${head}: ${c.yellow('not evaluated')}`, `      ${eni.reason ?? ''}`);
          continue;
        }
        const all = eni.allowed + eni.blocked.length + eni.notEvaluated.length;
        out.push(
          `${head}: ${
            eni.blocked.length === 0 && eni.notEvaluated.length === 0
              ? c.green(`all ${all} endpoints allowed`)
              : `${eni.allowed} of ${all} allowed, ${c.red(`${eni.blocked.length} blocked`)}${eni.notEvaluated.length > 0 ? `, ${c.yellow(`${eni.notEvaluated.length} not evaluated`)}` : ''}`
          }`,
        );
        for (const b of eni.blocked)
          out.push(
            `      ${c.red('blocked')}  ${b.ip}:${b.port}  ${b.category}${b.required ? '' : ' (optional)'}  by ${b.by}${b.groupId ? ` (${b.groupId})` : ''}`,
          );
        for (const n of eni.notEvaluated)
          out.push(`      ${c.yellow('unknown')}  ${n.ip}:${n.port}  ${n.category}  ${n.reason}`);
      }
      const unaudited = instance.secondaryNetworkInterfaceIds.filter(
        (id) => !instance.networkInterfaces.some((e) => e.networkInterfaceId === id),
      );
      if (unaudited.length > 0)
        out.push(c.dim(`    secondary ENIs ${unaudited.join(', ')}: their own groups not audited`));
    }
  }

  out.push(
    '',
    c.bold(
      `Routes${report.vpcId ? ` (${report.vpcId}${report.vSwitchId ? `, ${report.vSwitchId}` : ''})` : ''}`,
    ),
  );
  if (report.routeTables.length === 0)
    out.push(c.dim('  none audited (give --vpc ID or --vswitch ID, or --ecs-instance ID for its vSwitch)'));
  for (const table of report.routeTables) {
    out.push(
      `  ${c.bold(table.routeTableId)} (${table.type}${table.vSwitchIds.length > 0 ? `, vSwitches ${table.vSwitchIds.join(', ')}` : ''}): ${table.entries} ${table.entries === 1 ? 'entry' : 'entries'}`,
    );
    const diversions = report.routes.filter((r) => r.routeTableId === table.routeTableId);
    for (const route of diversions)
      out.push(
        `    ${c.red('diverts')}  ${route.destination} -> ${route.nextHopType}${route.nextHopId ? ` ${route.nextHopId}` : ''} (over ${route.overrides}): ${route.diverts.join(', ')}`,
      );
    if (diversions.length === 0)
      out.push(`    ${c.green('no route diverts MSE addresses from the cloud-service route')}`);
    if (table.uncovered.length > 0)
      out.push(c.dim(`    not under a system route: ${table.uncovered.join(', ')}`));
  }

  if (report.networkAcls.length > 0) {
    out.push('', c.bold('Network ACLs (stateless: outbound, and the replies back in)'));
    for (const acl of report.networkAcls) {
      const total =
        acl.allowed + new Set([...acl.blocked, ...acl.notEvaluated].map((b) => `${b.ip}:${b.port}`)).size;
      const state =
        acl.blocked.length === 0 && acl.notEvaluated.length === 0
          ? c.green(`all ${total} endpoints allowed both ways`)
          : `${acl.allowed} of ${total} allowed both ways`;
      out.push(
        `  ${c.bold(acl.networkAclId)}${acl.name ? ` "${acl.name}"` : ''} (vSwitches ${acl.vSwitchIds.join(', ')}; ${plural(acl.egressEntries, 'outbound entry', '')}, ${plural(acl.ingressEntries, 'inbound entry', '')}): ${state}`,
      );
      for (const b of acl.blocked)
        out.push(
          `    ${c.red(b.direction === 'egress' ? 'blocked' : b.partial ? 'replies partly dropped' : 'replies dropped')}  ${b.ip}:${b.port}  ${b.category}${b.required ? '' : ' (optional)'}  by ${b.by}${b.droppedPorts && b.partial ? ` (ports ${b.droppedPorts.join(', ')})` : ''}`,
        );
      for (const n of acl.notEvaluated)
        out.push(
          `    ${c.yellow('unknown')}  ${n.ip}:${n.port} (${n.direction})  ${n.category}  ${n.reason}`,
        );
    }
  }

  out.push('', c.bold('MSE instances'));
  if (report.instances.length === 0) out.push(c.dim('  none'));
  for (const i of report.instances) {
    const status = [i.health, i.initStatus].filter(Boolean).join(' / ') || 'status unknown';
    const paint = i.condition === 'trouble' ? c.red : i.condition === 'busy' ? c.yellow : (t: string) => t;
    out.push(
      `  ${c.bold(i.instanceId)}${i.name ? ` "${i.name}"` : ''}  ${[i.clusterType, i.version, i.edition].filter(Boolean).join(' ')}  ${paint(status)}`,
    );
    out.push(
      `    intranet ${i.intranetDomain ?? 'none'}${i.ports.length > 0 ? ` ports ${i.ports.join(', ')}` : ''}${i.vpcId ? ` in ${i.vpcId}` : ''}`,
    );
    if (i.maintenancePeriod)
      out.push(
        `    maintenance ${i.maintenancePeriod.start}-${i.maintenancePeriod.end} ${i.maintenancePeriod.timezone}${i.inMaintenance ? c.yellow(' (now)') : ''}`,
      );
    if (i.nacosServer) out.push(`    nacos.server: ${i.nacosServer}`);
  }

  out.push('');
  if (report.findings.length === 0)
    out.push(report.ok ? c.green('No problems found in the cloud configuration.') : '');
  else {
    out.push(c.bold(`Findings (${report.findings.length})`));
    for (const f of report.findings) {
      out.push('', `${severity[f.severity](`[${f.severity}]`)} ${c.bold(f.category)}: ${f.symptom}`);
      out.push(`  cause:  ${f.cause}`, `  action: ${f.action}`);
      if (f.endpoints.length > 0) out.push(`  endpoints: ${f.endpoints.join(', ')}`);
    }
  }

  if (report.fixes.length > 0) {
    out.push('', c.bold('Rules to add'));
    for (const fix of report.fixes) {
      out.push(
        fix.networkInterfaceId
          ? `  ${fix.securityGroupId} (the first group of ${fix.ecsInstanceId}'s secondary ENI ${fix.networkInterfaceId}; a rule there applies to the whole ENI):`
          : fix.ecsInstanceId
            ? `  ${fix.securityGroupId} (the first group of ${fix.ecsInstanceId}; a rule there applies to the whole instance):`
            : `  ${fix.securityGroupId}:`,
      );
      for (const command of fix.commands) out.push(`    ${command}`);
      for (const command of fix.revoke)
        out.push(
          `    ${c.yellow('# no Accept rule outranks a priority-1 Drop; remove or narrow it:')}`,
          `    ${command}`,
        );
    }
    out.push(c.dim('  the same as permissions JSON (allowlist --format aliyun-sg): "fixes" in --json'));
  }
  const aclFixes = report.networkAcls.flatMap((acl) =>
    acl.fix ? [{ id: acl.networkAclId, fix: acl.fix }] : [],
  );
  if (aclFixes.length > 0) {
    out.push('', c.bold('Network ACL entries to add'));
    for (const { id, fix } of aclFixes) out.push(`  ${id}:`, `    ${fix.command}`);
    out.push(
      c.dim(
        "  UpdateNetworkAclEntries replaces a direction's whole list: the command passes the ACL's own custom entries after the new ones (the request: networkAcls[].fix in --json)",
      ),
    );
  }

  if (report.errors.length > 0) {
    out.push('', c.bold(c.yellow('Not audited')));
    for (const e of report.errors) out.push(`  ${e.section}: ${e.message}`);
  }
  out.push('', report.ok ? c.green('OK') : c.red('NOT OK'));
  return `${out.join('\n')}\n`;
};
