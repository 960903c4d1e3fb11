import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../e2e/agent.ts';

/**
 * The NODE_OPTIONS a function runs with in Function Compute (its `environmentVariables` in s.yaml), so the bench
 * measures the handler as deployed: the young generation's size and whether gc is exposed change its memory and
 * CPU. Undefined when s.yaml sets none.
 */
export const functionNodeOptions = (fn: string): string | undefined => {
  const doc = parse(readFileSync(join(REPO_ROOT, 's.yaml'), 'utf8')) as {
    resources?: Record<string, { props?: { environmentVariables?: Record<string, unknown> } }>;
  };
  const value = doc.resources?.[fn]?.props?.environmentVariables?.NODE_OPTIONS;
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
};
