import type { z } from 'zod';
import { formatPath } from '../catalog/validate.ts';

// How a config's problems are worded: every problem at once, each with its field path and the fix.

/** Keys renamed when every duration got one style (docs/config.md, "Changed in 0.2"). */
const RENAMED: Record<string, string> = {
  timeoutMs: 'timeout',
  spacingMs: 'spacing',
  sweepAfterMs: 'sweepAfter',
  backoffMs: 'backoff',
};

const hintFor = (issue: z.core.$ZodIssue): string => {
  if (issue.code !== 'unrecognized_keys') return '';
  const renamed = issue.keys.find((key) => RENAMED[key] !== undefined);
  if (renamed !== undefined)
    return ` ("${renamed}" is now "${RENAMED[renamed]}", a duration such as "3s" or "500ms"; see docs/config.md)`;
  return ' (remove it, or check its spelling against docs/config.md)';
};

/** Every problem at once, each with its field path, so one edit fixes the file. */
export const formatConfigIssues = (source: string, error: z.ZodError): string =>
  `invalid config ${source}:\n${error.issues
    .map((issue) => `  - ${formatPath(issue.path) || '(root)'}: ${issue.message}${hintFor(issue)}`)
    .join('\n')}`;
