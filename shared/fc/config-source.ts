import { parseConfig, parseConfigDocument } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { MseWatchError } from '../util/errors.ts';
import type { FunctionPayload } from './event.ts';

export const CONFIG_ENV = 'MSE_WATCH_CONFIG';

/** A single line that looks like a path is a file (a NAS mount or the code package); anything else is the config itself. */
const looksLikePath = (value: string) =>
  !value.includes('\n') &&
  (/^(\/|\.\.?\/)/.test(value) || /\.(ya?ml|json)$/i.test(value)) &&
  !value.startsWith('{');

const parseText = (text: string, source: string): Record<string, unknown> => {
  const raw = parseConfigDocument(text, source);
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw new MseWatchError('config-invalid', `invalid config ${source}: expected a mapping of config keys`);
  return raw as Record<string, unknown>;
};

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** The payload wins key by key; nested sections merge, lists are replaced whole. */
export const mergeConfig = (
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> => {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = merged[key];
    merged[key] = isPlainObject(current) && isPlainObject(value) ? mergeConfig(current, value) : value;
  }
  return merged;
};

export type ConfigSourceDeps = {
  env: Record<string, string | undefined>;
  readFile: (path: string) => Promise<string>;
  /** Told what the loader merged or ignored (the handler writes it to the function's log). */
  onWarning?: (message: string) => void;
};

const ENV_NAME = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The values of the variables a config text refers to: a change to one of them is a change of the config. */
const referencedEnv = (text: string, env: Record<string, string | undefined>): string => {
  let values = '';
  for (const [, name] of text.matchAll(ENV_NAME))
    values += `\u0000${name}=${env[name as string] ?? '\u0001'}`;
  return values;
};

/**
 * The last config an instance parsed, with what it was parsed from and the warnings it gave: a warm instance's
 * next invocation with the same MSE_WATCH_CONFIG text, payload and referenced variables reuses it (the schema
 * walk over thousands of targets is a few ms a run). Only a config that parsed is kept; a failure is found again.
 */
let last: { key: string; config: Config; warnings: string[] } | undefined;

/**
 * MSE_WATCH_CONFIG (inline YAML/JSON or a file path) merged with the trigger payload, then
 * `${env:NAME}` resolved from the function's environment and checked once by the config schema.
 */
export const loadFunctionConfig = async (
  payload: FunctionPayload,
  deps: ConfigSourceDeps,
): Promise<Config> => {
  const value = deps.env[CONFIG_ENV]?.trim() ?? '';
  let text: string | undefined;
  if (value !== '' && looksLikePath(value)) {
    try {
      text = await deps.readFile(value);
    } catch (error) {
      throw new MseWatchError(
        'config-missing',
        `${CONFIG_ENV} points to ${value}, which cannot be read: ${(error as Error).message}`,
      );
    }
  }
  const payloadText = JSON.stringify(payload) ?? '';
  const configText = text ?? value;
  const key = `${value}\u0000${configText}\u0000${payloadText}${referencedEnv(configText + payloadText, deps.env)}`;
  if (last?.key === key) {
    for (const warning of last.warnings) deps.onWarning?.(warning);
    return last.config;
  }
  let base: Record<string, unknown> = {};
  let source = 'trigger payload';
  if (text !== undefined) {
    base = parseText(text, value);
    source = `${value} + trigger payload`;
  } else if (value !== '') {
    base = parseText(value, CONFIG_ENV);
    source = `${CONFIG_ENV} + trigger payload`;
  }
  const warnings: string[] = [];
  const config = parseConfig(mergeConfig(base, payload), {
    source,
    env: deps.env,
    onWarning: (message) => {
      warnings.push(message);
      deps.onWarning?.(message);
    },
  });
  last = { key, config, warnings };
  return config;
};
