import { readFile } from 'node:fs/promises';
import { formatPath } from '../catalog/validate.ts';
import { MseWatchError } from '../util/errors.ts';
import { parseConfigDocument } from './document.ts';
import { formatConfigIssues } from './issues.ts';
import { Config } from './schema.ts';

export { parseConfigDocument } from './document.ts';
export { formatConfigIssues } from './issues.ts';

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
