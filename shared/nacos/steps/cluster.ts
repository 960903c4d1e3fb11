import type { CheckContext, StepOutcome } from '../context.ts';
import { excerpt, nacosHttp, parseJson, StepFailure, unexpectedStatus } from '../http.ts';

type Node = { address?: unknown; ip?: unknown; port?: unknown; state?: unknown };

/** Node states; any node not UP makes the step degraded. 403 = these credentials may not look. */
export const clusterStep = async (ctx: CheckContext): Promise<StepOutcome> => {
  const v3Path = '/v3/admin/core/cluster/node/list';
  let answer = await nacosHttp(ctx.http, 'GET', ctx.api === 'v3' ? v3Path : '/v1/core/cluster/nodes');
  if (ctx.api !== 'v3' && (answer.status === 410 || answer.status === 404)) {
    answer = await nacosHttp(ctx.http, 'GET', v3Path);
  }
  if (answer.status === 403 || answer.status === 401) {
    return {
      status: 'skipped',
      detail: `the credentials do not allow reading cluster nodes (HTTP ${answer.status})`,
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
