import { readFile } from 'node:fs/promises';
import { formatPath } from '../catalog/validate.ts';
import { MseWatchError } from '../util/errors.ts';
import { depthProblem, parseConfigDocument } from './document.ts';
import { formatConfigIssues } from './issues.ts';
import { Config } from './schema.ts';

export { MAX_CONFIG_BYTES, MAX_CONFIG_DEPTH, parseConfigDocument } from './document.ts';
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

/**
 * Whether any string of a value may hold `${env:NAME}`. One native serialisation is far cheaper than the walk,
 * which rebuilds every object of a config with thousands of targets (docs/BENCHMARKS.md), and most configs name
 * no variable at all.
 */
const mentionsEnv = (value: unknown): boolean => {
  try {
    const text = JSON.stringify(value);
    return text === undefined || text.includes('${env:');
  } catch {
    // not JSON (a BigInt from somewhere): the walk decides
    return true;
  }
};

export type ParseOptions = {
  source?: string;
  env?: Record<string, string | undefined>;
  /**
   * Told, one sentence each, what the loader changed on its own (a duplicate target merged). The CLI prints these
   * on stderr, the FC handler writes them to the function's log; without it they are dropped.
   */
  onWarning?: (message: string) => void;
};

/** The fields of a target that decide how it is probed: two entries for one host:port must agree on them. */
const PROBE_FIELDS = ['mode', 'expectStatus', 'servername', 'category'] as const;

/**
 * One entry per host:port. A target listed twice would be probed twice and judged twice a run under one alert
 * key, so it would fire at half its threshold. Identical entries are merged (required if either is, the first
 * name kept) with a warning; entries that disagree on how to probe are an error naming both.
 */
const mergeDuplicateTargets = (
  config: Config,
  source: string,
  onWarning?: (message: string) => void,
): Config => {
  const seen = new Map<string, number>();
  const merged: Config['targets'] = [];
  const conflicts: string[] = [];
  config.targets.forEach((target, index) => {
    const key = `${target.host.toLowerCase()}:${target.port}`;
    const at = seen.get(key);
    if (at === undefined) {
      seen.set(key, merged.length);
      merged.push(target);
      return;
    }
    const first = merged[at]!;
    const firstIndex = config.targets.indexOf(first);
    const differs = PROBE_FIELDS.filter(
      (field) => JSON.stringify(first[field]) !== JSON.stringify(target[field]),
    );
    if (differs.length > 0) {
      conflicts.push(
        `  - targets[${index}]: ${target.host}:${target.port} is already targets[${firstIndex}], with another ${differs.join(', ')}; a host:port is probed and alerted on once: keep one entry`,
      );
      return;
    }
    merged[at] = {
      ...first,
      required: first.required || target.required,
      ...(first.name === undefined && target.name !== undefined ? { name: target.name } : {}),
    };
    onWarning?.(
      `${source}: targets[${index}] repeats targets[${firstIndex}] (${target.host}:${target.port}); merged into one, since a target is probed and alerted on once`,
    );
  });
  if (conflicts.length > 0)
    throw new MseWatchError('config-invalid', `invalid config ${source}:\n${conflicts.join('\n')}`);
  return merged.length === config.targets.length ? config : { ...config, targets: merged };
};

export const parseConfig = (raw: unknown, options: ParseOptions = {}): Config => {
  const source = options.source ?? '(inline)';
  // before any recursive walk: a value from anywhere (a trigger payload) may be nested without bound
  const deep = depthProblem(raw);
  if (deep) throw new MseWatchError('config-invalid', `invalid config ${source}: ${deep}`);
  const resolved = mentionsEnv(raw ?? {}) ? interpolateEnv(raw ?? {}, options.env ?? {}) : (raw ?? {});
  const result = Config.safeParse(resolved);
  if (!result.success) throw new MseWatchError('config-invalid', formatConfigIssues(source, result.error));
  return mergeDuplicateTargets(result.data, source, options.onWarning);
};

export const parseConfigText = (text: string, options: ParseOptions = {}): Config =>
  parseConfig(parseConfigDocument(text, options.source), options);

export const loadConfigFile = async (
  file: string,
  options: Omit<ParseOptions, 'source'> = {},
): Promise<Config> => {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new MseWatchError('config-missing', `cannot read config ${file}: ${(error as Error).message}`);
  }
  return parseConfigText(text, { ...options, source: file });
};
