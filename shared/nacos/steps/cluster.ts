import { excerpt } from '../../util/format.ts';
import type { CheckContext, StepOutcome } from '../context.ts';
import { nacosHttp, parseJson, StepFailure, unexpectedStatus } from '../http.ts';

type Node = { address?: unknown; ip?: unknown; port?: unknown; state?: unknown };

// 1.x/2.x: /v1/core/cluster/nodes. 3.x: the admin API only (the v1 path is an admin API answering 410 on
// 3.0/3.1 and is gone on 3.2), which needs an admin login on 3.x.
const V1_PATH = '/v1/core/cluster/nodes';
const V3_PATH = '/v3/admin/core/cluster/node/list';

/** Node states; any node not UP makes the step degraded. 403 = these credentials may not look. */
export const clusterStep = async (ctx: CheckContext): Promise<StepOutcome> => {
  const v3 = ctx.api === 'v3';
  ctx.apis.cluster = v3 ? 'v3' : 'v1';
  const answer = await nacosHttp(ctx.http, 'GET', v3 ? V3_PATH : V1_PATH);
  if (answer.status === 403 || answer.status === 401) {
    const why =
      v3 && ctx.http.auth.kind === 'none'
        ? ' (Nacos 3.x admin APIs need a login: set username/password)'
        : '';
    return {
      status: 'skipped',
      detail: `the credentials do not allow reading cluster nodes (HTTP ${answer.status})${why}`,
    };
  }
  if (answer.status !== 200) throw unexpectedStatus('cluster nodes', answer);
  const parsed = parseJson('cluster nodes', answer.body) as { data?: unknown } | null;
  if (parsed === null || typeof parsed !== 'object' || !Array.isArray(parsed.data)) {
    throw new StepFailure('protocol', `cluster nodes: expected {data: [...]}, got ${excerpt(answer.body)}`);
  }
  const nodes = parsed.data as Node[];
  if (nodes.length === 0) throw new StepFailure('protocol', 'cluster nodes: the server lists no nodes');
  const label = (node: Node) =>
    typeof node.address === 'string' ? node.address : `${String(node.ip)}:${String(node.port)}`;
  const notUp = nodes.filter((node) => node.state !== 'UP');
  if (notUp.length > 0) {
    return {
      status: 'degraded',
      detail: `${nodes.length - notUp.length}/${nodes.length} nodes UP; ${notUp
        .map((node) => `${label(node)} ${String(node.state)}`)
        .join(', ')}`,
    };
  }
  return { detail: `${nodes.length}/${nodes.length} nodes UP` };
};
