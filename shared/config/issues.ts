import type { z } from 'zod';
import { formatPath } from '../catalog/validate.ts';

// How a config's problems are worded: every problem at once, each with its field path and the fix, in the
// user's terms ("must be at least 1", "must be one of dingtalk, webhook") rather than the validator's
// ("Too small: expected number to be >=1", "Invalid discriminator value"). Messages a schema wrote itself
// (custom ones, e.g. "must be between 50ms and 2m") are kept as they are.

/** Keys renamed when every duration got one style (docs/config.md, "Changed in 0.2"). */
const RENAMED: Record<string, string> = {
  timeoutMs: 'timeout',
  spacingMs: 'spacing',
  sweepAfterMs: 'sweepAfter',
  backoffMs: 'backoff',
  delayMs: 'delay',
};

type Issue = z.core.$ZodIssue;

/** zod's own default messages start like this; anything else was written by a schema and is kept. */
const DEFAULT_MESSAGE = /^(Too (small|big):|Invalid |Unrecognized key)/;

const KIND: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'text',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping (key: value)',
  record: 'a mapping (key: value)',
  null: 'null',
  undefined: 'nothing',
  bigint: 'a number',
  date: 'a date',
};

const FORMAT: Record<string, string> = {
  url: 'a URL',
  email: 'an e-mail address',
  ipv4: 'an IPv4 address',
  ipv6: 'an IPv6 address',
  uuid: 'a UUID',
  datetime: 'a date and time (ISO 8601, e.g. 2026-11-21T04:00:00Z)',
  date: 'a date (YYYY-MM-DD)',
  regex: 'in the expected form',
};

const quoteAll = (values: readonly unknown[]): string =>
  values.map((value) => (typeof value === 'string' ? value : JSON.stringify(value))).join(', ');

const received = (message: string): string | undefined => /received (\w+)/.exec(message)?.[1];

/** Which kinds a union accepts, from its options' type errors (the options that failed on the type alone). */
const unionKinds = (issue: Issue & { code: 'invalid_union' }): string[] =>
  issue.errors.flatMap((option) =>
    option.length === 1 && option[0]?.code === 'invalid_type' ? [option[0].expected] : [],
  );

/** One issue in words, without its path. */
export const describeIssue = (issue: Issue): string => {
  if (issue.code === 'custom' || !DEFAULT_MESSAGE.test(issue.message)) {
    if (issue.code !== 'unrecognized_keys') return issue.message;
  }
  switch (issue.code) {
    case 'invalid_type': {
      const got = received(issue.message);
      const expected = KIND[issue.expected] ?? issue.expected;
      if (got === 'undefined') return `is required (${expected})`;
      // a fraction where a whole number belongs: "got a number" would say nothing
      if (issue.expected === 'int' && got === 'number') return `must be ${expected}`;
      return `must be ${expected}${got ? `, got ${KIND[got] ?? got}` : ''}`;
    }
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'string')
        return min <= 1 ? 'must not be empty' : `must be at least ${min} characters long`;
      if (issue.origin === 'array' || issue.origin === 'set')
        return min <= 1 ? 'must list at least one item' : `must list at least ${min} items`;
      return issue.inclusive === false ? `must be more than ${min}` : `must be at least ${min}`;
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'string') return `must be at most ${max} characters long`;
      if (issue.origin === 'array' || issue.origin === 'set') return `must list at most ${max} items`;
      return issue.inclusive === false ? `must be less than ${max}` : `must be at most ${max}`;
    }
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${quoteAll(issue.values)}`
        : `must be one of ${quoteAll(issue.values)}`;
    case 'invalid_union': {
      const options = (issue as { options?: unknown[] }).options;
      if (Array.isArray(options) && options.length > 0)
        return `must be one of ${quoteAll(options)} (it decides which other keys apply)`;
      const kinds = [...new Set(unionKinds(issue))].sort();
      if (kinds.join() === 'number,string') return 'must be a duration such as "3s" or "500ms"';
      if (kinds.length > 0) return `must be ${kinds.map((kind) => KIND[kind] ?? kind).join(' or ')}`;
      return 'matches none of the forms this field accepts';
    }
    case 'invalid_format':
      return `must be ${FORMAT[issue.format] ?? `a valid ${issue.format}`}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'invalid_key':
      return `is not a valid key: ${issue.issues.map((inner) => describeIssue(inner as Issue)).join('; ')}`;
    case 'invalid_element':
      return `has an invalid item: ${issue.issues.map((inner) => describeIssue(inner as Issue)).join('; ')}`;
    case 'unrecognized_keys':
      return issue.message;
    default:
      return (issue as { message: string }).message;
  }
};

const hintFor = (issue: Issue): string => {
  if (issue.code !== 'unrecognized_keys') return '';
  const renamed = issue.keys.find((key) => RENAMED[key] !== undefined);
  if (renamed !== undefined)
    return ` ("${renamed}" is now "${RENAMED[renamed]}", a duration such as "3s" or "500ms"; see docs/config.md)`;
  return ' (remove it, or check its spelling against docs/config.md)';
};

/** "probe.attempts: must be at least 1" — one problem, its field and the fix, on one line. */
export const formatIssue = (issue: Issue, prefix: ReadonlyArray<PropertyKey> = []): string =>
  `${formatPath([...prefix, ...issue.path]) || '(top level)'}: ${describeIssue(issue)}${hintFor(issue)}`;

/** Every problem at once, each with its field path, so one edit fixes the file. */
export const formatConfigIssues = (source: string, error: z.ZodError): string =>
  `invalid config ${source}:\n${error.issues.map((issue) => `  - ${formatIssue(issue)}`).join('\n')}`;
