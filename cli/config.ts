import { loadConfigFile, parseConfig } from '../shared/config/load.ts';
import type { Config, ConfigInput } from '../shared/config/schema.ts';
import type { CliIo } from './io.ts';

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

/** The config file, then flags on top: flags win, and the merged whole is validated once by the schema. */
export const resolveCheckConfig = async (flags: CheckFlags, io: CliIo): Promise<Config> => {
  const base = flags.config
    ? await loadConfigFile(flags.config, { env: io.env })
    : parseConfig({}, { env: io.env });
  const merged: ConfigInput = {
    ...base,
    ...(flags.region ? { region: flags.region } : {}),
    ...(flags.includeArms ? { includeArms: true } : {}),
    probe: {
      ...base.probe,
      ...(flags.timeout === undefined ? {} : { timeout: flags.timeout }),
      ...(flags.attempts === undefined ? {} : { attempts: flags.attempts }),
      ...(flags.concurrency === undefined ? {} : { concurrency: flags.concurrency }),
    },
  };
  return parseConfig(merged, { source: flags.config ? `${flags.config} with flags` : 'flags', env: io.env });
};
