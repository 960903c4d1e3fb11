import type { CheckReport } from '../report/schema.ts';

/** What the other vantage point (the function in the VPC) saw: the part of its summary a comparison reads. */
export type RemoteRun = {
  region: string | null;
  complete: boolean;
  reason?: string;
  /** ip:port of every endpoint it reached. */
  reachable: string[];
  failed: Array<{ ip: string; port: number; category: string; required: boolean; status: string }>;
};

/**
 * Where a failure lives, judged from two vantage points: this machine and the function in the VPC.
 * - `here`: reachable from the VPC but not from here → this network's firewall or route
 * - `mse`: unreachable from both → a problem on the MSE side (or on the path both share)
 * - `vpc`: reachable from here but not from the VPC → the function's security group, vSwitch or route
 */
export const Blame = ['none', 'here', 'mse', 'vpc', 'unknown'] as const;
export type Blame = (typeof Blame)[number];

export type SideStatus = 'ok' | 'not-probed' | (string & {});

export type EndpointComparison = {
  endpoint: string;
  category: string;
  required: boolean;
  local: SideStatus;
  remote: SideStatus;
  blame: Blame;
};

export type Explanation = {
  blame: Exclude<Blame, 'none'>;
  endpoints: string[];
  categories: string[];
  text: string;
};

export type Comparison = {
  region: string | null;
  rows: EndpointComparison[];
  counts: Record<Blame, number>;
  explanations: Explanation[];
  /** Why some rows could not be judged (an incomplete run, a region mismatch). */
  caveats: string[];
  /** Both sides see every required endpoint. */
  ok: boolean;
};

const blameOf = (local: SideStatus, remote: SideStatus): Blame => {
  if (local === 'not-probed' || remote === 'not-probed') return 'unknown';
  if (local === 'ok' && remote === 'ok') return 'none';
  if (local !== 'ok' && remote === 'ok') return 'here';
  if (local === 'ok') return 'vpc';
  return 'mse';
};

const unique = (values: string[]) => [...new Set(values)];

const explain = (
  blame: Exclude<Blame, 'none'>,
  rows: EndpointComparison[],
  region: string | null,
): Explanation => {
  const endpoints = rows.map((r) => r.endpoint);
  const categories = unique(rows.map((r) => r.category));
  const list = `${endpoints.length} endpoint${endpoints.length === 1 ? '' : 's'} (${categories.join(', ')})`;
  const allowlist = `mse-watch allowlist --region ${region ?? '<region>'}`;
  const statuses = unique(rows.map((r) => r.local));
  switch (blame) {
    case 'here':
      return {
        blame,
        endpoints,
        categories,
        text:
          `${list} reachable from the VPC but not from here (${statuses.join(', ')}): this network's firewall or route ` +
          `blocks them. Open outbound access as \`${allowlist}\` lists, or check the route/VPN to the region.`,
      };
    case 'mse':
      return {
        blame,
        endpoints,
        categories,
        text:
          `${list} unreachable from both here and the VPC: a problem on the MSE side (instance stopped or ` +
          'being changed, endpoint moved, or the instance whitelist), not this network. Check the instance in the MSE console.',
      };
    case 'vpc':
      return {
        blame,
        endpoints,
        categories,
        text:
          `${list} reachable from here but not from the function's VPC: check the function's security group egress ` +
          `(\`${allowlist} --format aliyun-sg\`), its vSwitch and the VPC route table.`,
      };
    case 'unknown':
      return {
        blame,
        endpoints,
        categories,
        text: `${list} probed on one side only, so not compared (an incomplete run, or different targets).`,
      };
    default: {
      const never: never = blame;
      throw new Error(`unknown blame ${never}`);
    }
  }
};

/** Pure: this machine's report and the function's summary in, one verdict per endpoint and the reasons out. */
export const compareRuns = (local: CheckReport, remote: RemoteRun): Comparison => {
  const remoteStatus = new Map<string, string>();
  for (const endpoint of remote.reachable) remoteStatus.set(endpoint, 'ok');
  for (const failed of remote.failed) remoteStatus.set(`${failed.ip}:${failed.port}`, failed.status);
  const seen = new Set<string>();

  const rows: EndpointComparison[] = local.probes.map((probe) => {
    const endpoint = `${probe.ip}:${probe.port}`;
    seen.add(endpoint);
    const localStatus = probe.status;
    const remoteSide = remoteStatus.get(endpoint) ?? 'not-probed';
    return {
      endpoint,
      category: probe.category,
      required: probe.required,
      local: localStatus,
      remote: remoteSide,
      blame: blameOf(localStatus, remoteSide),
    };
  });
  for (const failed of remote.failed) {
    const endpoint = `${failed.ip}:${failed.port}`;
    if (seen.has(endpoint)) continue;
    rows.push({
      endpoint,
      category: failed.category,
      required: failed.required,
      local: 'not-probed',
      remote: failed.status,
      blame: 'unknown',
    });
  }

  const counts: Record<Blame, number> = { none: 0, here: 0, mse: 0, vpc: 0, unknown: 0 };
  for (const row of rows) counts[row.blame]++;
  const explanations = (['here', 'mse', 'vpc', 'unknown'] as const)
    .map((blame) => ({ blame, rows: rows.filter((row) => row.blame === blame) }))
    .filter((group) => group.rows.length > 0)
    .map((group) => explain(group.blame, group.rows, local.region ?? remote.region));

  const caveats: string[] = [];
  if (local.region !== null && remote.region !== null && local.region !== remote.region)
    caveats.push(`the runs checked different regions: here ${local.region}, the function ${remote.region}`);
  if (!local.complete) caveats.push('the run here was cut short by its time budget');
  if (!remote.complete)
    caveats.push(`the function's run was incomplete${remote.reason ? `: ${remote.reason}` : ''}`);

  return {
    region: local.region ?? remote.region,
    rows,
    counts,
    explanations,
    caveats,
    ok: rows.every((row) => !row.required || row.blame === 'none') && local.complete && remote.complete,
  };
};

/** Plain text for the terminal. */
export const renderComparison = (comparison: Comparison): string => {
  const lines = [
    `Compared with the function (${comparison.region ?? 'no region'}): ${comparison.counts.none} reachable from both, ` +
      `${comparison.counts.here} blocked here only, ${comparison.counts.mse} unreachable from both, ` +
      `${comparison.counts.vpc} blocked in the VPC only, ${comparison.counts.unknown} not compared.`,
  ];
  for (const explanation of comparison.explanations) {
    lines.push('', `- ${explanation.text}`);
    for (const endpoint of explanation.endpoints.slice(0, 20)) lines.push(`    ${endpoint}`);
    if (explanation.endpoints.length > 20) lines.push(`    … and ${explanation.endpoints.length - 20} more`);
  }
  for (const caveat of comparison.caveats) lines.push('', `note: ${caveat}`);
  return `${lines.join('\n')}\n`;
};
