import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { formatPath } from '../catalog/validate.ts';
import { MseWatchError } from '../util/errors.ts';
import { Config } from './schema.ts';

const ENV_REF = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Replaces `${env:NAME}` in every string so secrets live in the environment, not in the file.
 * A missing variable is an error naming the field, never an empty secret sent on.
 */
export const interpolateEnv = (
  value: unknown,
  env: Record<string, string | undefined>,
  path: PropertyKey[] = [],
): unknown => {
  if (typeof value === 'string') {
    if (!value.includes('${env:')) return value;
    return value.replace(ENV_REF, (_, name: string) => {
      const found = env[name];
      if (found === undefined) {
        throw new MseWatchError(
          'config-invalid',
          `${formatPath(path)}: environment variable ${name} is not set (the config refers to \${env:${name}})`,
        );
      }
      return found;
    });
  }
  // one path array, pushed and popped: a config with thousands of targets must not copy it per node
  const at = <T>(key: PropertyKey, item: unknown, done: (result: unknown) => T): T => {
    path.push(key);
    try {
      return done(interpolateEnv(item, env, path));
    } finally {
      path.pop();
    }
  };
  if (Array.isArray(value)) return value.map((item, index) => at(index, item, (result) => result));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => at(key, item, (result) => [key, result])),
    );
  }
  return value;
};

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

export const parseConfig = (
  raw: unknown,
  options: { source?: string; env?: Record<string, string | undefined> } = {},
): Config => {
  const source = options.source ?? '(inline)';
  const resolved = interpolateEnv(raw ?? {}, options.env ?? {});
  const result = Config.safeParse(resolved);
  if (!result.success) throw new MseWatchError('config-invalid', formatConfigIssues(source, result.error));
  return result.data;
};

/** YAML is a superset of JSON, so one parser reads both; a syntax error names the source. */
export const parseConfigDocument = (text: string, source = '(inline)'): unknown => {
  // JSON first when it looks like JSON: a generated config with thousands of targets parses ~20x faster
  if (/^\s*[{[]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      // YAML flow style ({a: 1}) or a real syntax error: the YAML parser decides and explains
    }
  }
  try {
    return parseYaml(text);
  } catch (error) {
    throw new MseWatchError(
      'config-invalid',
      `invalid config ${source}: not YAML or JSON: ${(error as Error).message}`,
    );
  }
};

export const parseConfigText = (
  text: string,
  options: { source?: string; env?: Record<string, string | undefined> } = {},
): Config => parseConfig(parseConfigDocument(text, options.source), options);

export const loadConfigFile = async (
  file: string,
  options: { env?: Record<string, string | undefined> } = {},
): Promise<Config> => {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new MseWatchError('config-missing', `cannot read config ${file}: ${(error as Error).message}`);
  }
  return parseConfigText(text, { ...options, source: file });
};
