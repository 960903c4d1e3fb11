import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfigFile, parseConfig, parseConfigDocument } from '../shared/config/load.ts';
import type { Config, ConfigInput } from '../shared/config/schema.ts';
import { MseWatchError } from '../shared/util/errors.ts';
import { type CliIo, detail, note, warn } from './io.ts';

/** The environment variable the functions read their config from; the CLI honours it too. */
export const CONFIG_ENV = 'MSE_WATCH_CONFIG';
/** Looked for in the working directory when neither --config nor $MSE_WATCH_CONFIG says where the config is. */
export const LOCAL_CONFIG = 'mse-watch.yaml';

/** Where a command's config comes from, as `--config`, `$MSE_WATCH_CONFIG` and `./mse-watch.yaml` decide. */
export type ConfigSource =
  | { kind: 'file'; file: string; from: 'flag' | 'env' | 'cwd' }
  | { kind: 'inline'; text: string; from: 'env' };

/**
 * `--config FILE`, else `$MSE_WATCH_CONFIG` (a path, or the config itself when it spans lines or starts with
 * `{`, as the functions read it), else `./mse-watch.yaml` when it exists; undefined when there is none.
 */
export const discoverConfig = (flag: string | undefined, io: CliIo): ConfigSource | undefined => {
  if (flag !== undefined) return { kind: 'file', file: resolve(io.cwd, flag), from: 'flag' };
  const value = io.env[CONFIG_ENV]?.trim();
  if (value) {
    if (value.includes('\n') || value.startsWith('{')) return { kind: 'inline', text: value, from: 'env' };
    return { kind: 'file', file: resolve(io.cwd, value), from: 'env' };
  }
  const local = join(io.cwd, LOCAL_CONFIG);
  return existsSync(local) ? { kind: 'file', file: local, from: 'cwd' } : undefined;
};

export const describeSource = (source: ConfigSource): string => {
  if (source.kind === 'inline') return `the config in $${CONFIG_ENV}`;
  switch (source.from) {
    case 'flag':
      return source.file;
    case 'env':
      return `${source.file} (from $${CONFIG_ENV})`;
    case 'cwd':
      return `${source.file} (found in the working directory)`;
  }
};

/**
 * What the loader is given: the environment for `${env:NAME}`, and where its warnings go (merged duplicate
 * targets: stderr, `mse-watch: warning: …`). Typed here rather than taken from the loader's signature, so this
 * compiles whether or not shared/config/load.ts accepts `onWarning` yet; once it does, warnings flow.
 */
type LoadOptions = {
  env: Record<string, string | undefined>;
  onWarning: (message: string) => void;
};

export const loadOptions = (io: CliIo): LoadOptions => ({
  env: io.env,
  onWarning: (message) => warn(io, message),
});

/**
 * Loads the discovered config (or none), saying on stderr which file it was when the user did not name it.
 * Returns undefined when there is no config anywhere.
 */
export const loadDiscovered = async (
  flag: string | undefined,
  io: CliIo,
): Promise<{ config: Config; source: ConfigSource } | undefined> => {
  const source = discoverConfig(flag, io);
  if (!source) {
    detail(io, `no config: no --config, no $${CONFIG_ENV}, no ./${LOCAL_CONFIG}`);
    return undefined;
  }
  if (source.from === 'flag') detail(io, `config: ${describeSource(source)}`);
  else note(io, `using config ${describeSource(source)}`);
  const options = loadOptions(io);
  if (source.kind === 'inline') {
    const raw = parseConfigDocument(source.text, `$${CONFIG_ENV}`);
    return { config: parseConfig(raw, { ...options, source: `$${CONFIG_ENV}` }), source };
  }
  return { config: await loadConfigFile(source.file, options), source };
};

/** The same, for commands that cannot do without one. */
export const requireConfig = async (
  flag: string | undefined,
  io: CliIo,
  what: string,
): Promise<{ config: Config; source: ConfigSource }> => {
  const found = await loadDiscovered(flag, io);
  if (!found)
    throw new MseWatchError(
      'config-missing',
      `${what} needs a config: give --config FILE, set $${CONFIG_ENV}, or put ${LOCAL_CONFIG} in this directory`,
    );
  return found;
};

export type CheckFlags = {
  region?: string;
  includeArms?: boolean;
  timeout?: number;
  attempts?: number;
  concurrency?: number;
  config?: string;
  json?: boolean;
  html?: string;
};

/** The config file (discovered), then flags on top: flags win, and the merged whole is validated once. */
export const resolveCheckConfig = async (flags: CheckFlags, io: CliIo): Promise<Config> => {
  const found = await loadDiscovered(flags.config, io);
  const base = found?.config ?? parseConfig({}, loadOptions(io));
  const merged: ConfigInput = {
    ...base,
    ...(flags.region === undefined ? {} : { region: flags.region }),
    ...(flags.includeArms ? { includeArms: true } : {}),
    probe: {
      ...base.probe,
      ...(flags.timeout === undefined ? {} : { timeout: flags.timeout }),
      ...(flags.attempts === undefined ? {} : { attempts: flags.attempts }),
      ...(flags.concurrency === undefined ? {} : { concurrency: flags.concurrency }),
    },
  };
  const source = found
    ? `${found.source.kind === 'file' ? found.source.file : `$${CONFIG_ENV}`} with flags`
    : 'flags';
  // warnings were given when the file was loaded; the merge with flags must not repeat them
  return parseConfig(merged, { env: io.env, source });
};
