import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseConfig, parseConfigDocument } from '../shared/config/load.ts';
import type { Config } from '../shared/config/schema.ts';
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

/** The discovered config's document, before any schema: what a command may merge its flags into. */
type Discovered = { raw: unknown; source: ConfigSource; name: string };

/**
 * Reads the discovered config (or none), saying on stderr which file it was when the user did not name it.
 * Returns undefined when there is no config anywhere.
 */
const readDiscovered = async (flag: string | undefined, io: CliIo): Promise<Discovered | undefined> => {
  const source = discoverConfig(flag, io);
  if (!source) {
    detail(io, `no config: no --config, no $${CONFIG_ENV}, no ./${LOCAL_CONFIG}`);
    return undefined;
  }
  if (source.from === 'flag') detail(io, `config: ${describeSource(source)}`);
  else note(io, `using config ${describeSource(source)}`);
  if (source.kind === 'inline') {
    const name = `$${CONFIG_ENV}`;
    return { raw: parseConfigDocument(source.text, name), source, name };
  }
  let text: string;
  try {
    text = await readFile(source.file, 'utf8');
  } catch (error) {
    throw new MseWatchError(
      'config-missing',
      `cannot read config ${source.file}: ${(error as Error).message}`,
    );
  }
  return { raw: parseConfigDocument(text, source.file), source, name: source.file };
};

/**
 * Loads the discovered config (or none), saying on stderr which file it was when the user did not name it.
 * Returns undefined when there is no config anywhere.
 */
export const loadDiscovered = async (
  flag: string | undefined,
  io: CliIo,
): Promise<{ config: Config; source: ConfigSource } | undefined> => {
  const found = await readDiscovered(flag, io);
  if (!found) return undefined;
  return { config: parseConfig(found.raw, { ...loadOptions(io), source: found.name }), source: found.source };
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

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * The config file (discovered), then flags on top: flags win, merged into the document before the schema sees
 * it, so the whole is validated (and `${env:NAME}` resolved, duplicates merged, warned about) once. A document
 * or `probe:` section that is not a mapping is left as it is, for the schema to name.
 */
export const resolveCheckConfig = async (flags: CheckFlags, io: CliIo): Promise<Config> => {
  const found = await readDiscovered(flags.config, io);
  const raw = found?.raw ?? {};
  const probeFlags: Record<string, unknown> = {};
  if (flags.timeout !== undefined) probeFlags.timeout = flags.timeout;
  if (flags.attempts !== undefined) probeFlags.attempts = flags.attempts;
  if (flags.concurrency !== undefined) probeFlags.concurrency = flags.concurrency;
  let merged = raw;
  if (isPlainObject(raw)) {
    const document: Record<string, unknown> = { ...raw };
    if (flags.region !== undefined) document.region = flags.region;
    if (flags.includeArms) document.includeArms = true;
    if (Object.keys(probeFlags).length > 0) {
      const probe = document.probe;
      if (probe === undefined) document.probe = probeFlags;
      else if (isPlainObject(probe)) document.probe = { ...probe, ...probeFlags };
    }
    merged = document;
  } else if (raw === null || raw === undefined) {
    merged = {
      ...(flags.region === undefined ? {} : { region: flags.region }),
      ...(flags.includeArms ? { includeArms: true } : {}),
      ...(Object.keys(probeFlags).length > 0 ? { probe: probeFlags } : {}),
    };
  }
  return parseConfig(merged, { ...loadOptions(io), source: found?.name ?? 'flags' });
};
