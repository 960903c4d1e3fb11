import { loadConfigFile, parseConfig } from '../../shared/config/load.ts';
import type { NacosConfigInput } from '../../shared/nacos/config.ts';
import { renderNacosText } from '../../shared/nacos/render.ts';
import { MseWatchError } from '../../shared/util/errors.ts';
import type { Registrar } from '../command.ts';
import { write } from '../io.ts';
import { integer } from '../options.ts';
import { colorFor } from '../render.ts';

type NacosFlags = {
  server?: string;
  grpcPort?: number;
  username?: string;
  password?: string;
  accessKey?: string;
  secretKey?: string;
  namespace?: string;
  ephemeral?: boolean;
  timeout?: number;
  config?: string;
  json?: boolean;
};

/** Secrets may come from the environment so they stay out of shell history and `ps`. */
const ENV_FALLBACKS = {
  username: 'NACOS_USERNAME',
  password: 'NACOS_PASSWORD',
  accessKey: 'NACOS_ACCESS_KEY',
  secretKey: 'NACOS_SECRET_KEY',
} as const;

export const registerNacos: Registrar = (program, io, setExit) => {
  program
    .command('nacos')
    .description(
      'check a Nacos server: health, login, config and naming round trips, gRPC ServerCheck, cluster',
    )
    .option('-s, --server <host[:port]>', 'Nacos server, e.g. mse-xxx-nacos-ans.mse.aliyuncs.com:8848')
    .option('--grpc-port <n>', 'gRPC port (default: HTTP port + 1000)', integer('--grpc-port'))
    .option('-u, --username <user>', `Nacos user (or ${ENV_FALLBACKS.username})`)
    .option('-p, --password <password>', `Nacos password (or ${ENV_FALLBACKS.password})`)
    .option('--access-key <key>', `MSE RAM AccessKey id (or ${ENV_FALLBACKS.accessKey})`)
    .option('--secret-key <secret>', `MSE RAM AccessKey secret (or ${ENV_FALLBACKS.secretKey})`)
    .option('-n, --namespace <id>', 'namespace id for the canaries (default: public)')
    .option('--ephemeral', 'register the canary instance as ephemeral, with a beat')
    .option('--timeout <ms>', 'per-request timeout in milliseconds', integer('--timeout'))
    .option('-c, --config <file>', "config file (YAML or JSON); its 'nacos:' section, flags on top")
    .option('--json', 'print one JSON document')
    .action(async (flags: NacosFlags) => {
      const base = flags.config ? await loadConfigFile(flags.config, { env: io.env }) : undefined;
      const fromFile: Partial<NacosConfigInput> = base?.nacos ?? {};
      const pick = (key: keyof typeof ENV_FALLBACKS) =>
        flags[key] ?? fromFile[key] ?? io.env[ENV_FALLBACKS[key]];
      const server = flags.server ?? fromFile.server;
      if (!server) {
        throw new MseWatchError(
          'usage',
          "nacos: give --server HOST[:PORT], or a config file (--config) with a 'nacos:' section",
        );
      }
      // a flag for one kind of credentials replaces the file's credentials of the other kind
      const ram = (flags.accessKey ?? flags.secretKey) !== undefined;
      const user = (flags.username ?? flags.password) !== undefined;
      if (ram && user) {
        throw new MseWatchError(
          'usage',
          'nacos: choose one authentication: --username/--password (Nacos user) or --access-key/--secret-key (MSE RAM)',
        );
      }
      const merged: NacosConfigInput = {
        ...fromFile,
        server,
        ...(flags.grpcPort === undefined ? {} : { grpcPort: flags.grpcPort }),
        ...(flags.namespace === undefined ? {} : { namespace: flags.namespace }),
        ...(flags.timeout === undefined ? {} : { timeout: flags.timeout }),
        ...(flags.ephemeral ? { canary: { ...fromFile.canary, ephemeral: true } } : {}),
        username: ram ? undefined : pick('username'),
        password: ram ? undefined : pick('password'),
        accessKey: user ? undefined : pick('accessKey'),
        secretKey: user ? undefined : pick('secretKey'),
      };
      for (const key of Object.keys(merged) as Array<keyof NacosConfigInput>) {
        if (merged[key] === undefined) delete merged[key];
      }
      const config = parseConfig(
        { ...base, nacos: merged },
        { source: flags.config ? `${flags.config} with flags` : 'flags', env: io.env },
      );
      if (!config.nacos) throw new Error('nacos section vanished in parsing');
      const interrupt = new AbortController();
      void io.interrupted.then(() => interrupt.abort());
      const { runNacosCheck } = await import('../../shared/nacos/check.ts');
      const report = await runNacosCheck(config.nacos, {}, { signal: interrupt.signal });
      if (flags.json) await write(io.stdout, `${JSON.stringify(report, null, 2)}\n`);
      else await write(io.stdout, renderNacosText(report, { color: colorFor(io) }));
      setExit(report.ok ? 0 : 1);
    });
};
