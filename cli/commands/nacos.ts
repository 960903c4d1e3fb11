import { parseConfig } from '../../shared/config/load.ts';
import { NacosConfig, type NacosConfigInput } from '../../shared/nacos/config.ts';
import { renderNacosText } from '../../shared/nacos/render.ts';
import { MseWatchError } from '../../shared/util/errors.ts';
import type { Registrar } from '../command.ts';
import { loadDiscovered, loadOptions } from '../config.ts';
import { EXIT, exitForSignal } from '../exit.ts';
import { teach } from '../help.ts';
import { stopOn, write } from '../io.ts';
import { configOption, duration, integer } from '../options.ts';
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
  const command = program
    .command('nacos')
    .description(
      'check a Nacos server: health, login, config and naming round trips, gRPC ServerCheck, cluster',
    )
    .option('-s, --server <host[:port]>', 'Nacos server, e.g. mse-xxx-nacos-ans.mse.aliyuncs.com:8848')
    .option(
      '--grpc-port <n>',
      'gRPC port (default: HTTP port + 1000)',
      integer('--grpc-port', NacosConfig.shape.grpcPort),
    )
    .option('-u, --username <user>', `Nacos user (or ${ENV_FALLBACKS.username})`)
    .option('-p, --password <password>', `Nacos password (or ${ENV_FALLBACKS.password})`)
    .option('--access-key <key>', `MSE RAM AccessKey id (or ${ENV_FALLBACKS.accessKey})`)
    .option('--secret-key <secret>', `MSE RAM AccessKey secret (or ${ENV_FALLBACKS.secretKey})`)
    .option('-n, --namespace <id>', 'namespace id for the canaries (default: public)')
    .option('--ephemeral', 'register the canary instance as ephemeral, with a beat')
    .option(
      '--timeout <duration>',
      'per-request timeout, e.g. 5s or 800ms; a bare number is milliseconds (default: 3s, or nacos.timeout)',
      duration('--timeout', 'ms', NacosConfig.shape.timeout),
    )
    .addOption(
      configOption(
        "config file (YAML or JSON): its 'nacos:' section, flags on top; default: $MSE_WATCH_CONFIG, else ./mse-watch.yaml",
      ),
    )
    .option('--json', 'print one JSON document')
    .action(async (flags: NacosFlags) => {
      const base = (await loadDiscovered(flags.config, io))?.config;
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
        { ...loadOptions(io), source: base ? 'the config with flags' : 'flags' },
      );
      if (!config.nacos) throw new Error('nacos section vanished in parsing');
      const stop = stopOn(io);
      const { runNacosCheck } = await import('../../shared/nacos/check.ts');
      const report = await runNacosCheck(config.nacos, {}, { signal: stop.signal });
      const stoppedBy = stop.stoppedBy();
      if (flags.json)
        await write(
          io.stdout,
          `${JSON.stringify(stoppedBy ? { ...report, ok: false, interrupted: stoppedBy } : report, null, 2)}\n`,
        );
      else await write(io.stdout, renderNacosText(report, { color: colorFor(io) }));
      setExit(stoppedBy ? exitForSignal(stoppedBy) : report.ok ? EXIT.ok : EXIT.problem);
    });
  teach(
    command,
    [
      [
        'NACOS_PASSWORD=... mse-watch nacos --server mse-xxx-nacos-ans.mse.aliyuncs.com --username nacos',
        'every step against an MSE Nacos instance; the password from the environment, not the command line',
      ],
      ['mse-watch nacos --config mse-watch.yaml --json', "the config's nacos: section, one JSON document"],
      [
        'mse-watch nacos --server 127.0.0.1:8848 --timeout 2s',
        'a local server, a shorter per-request timeout',
      ],
    ],
    [EXIT.ok, EXIT.problem, EXIT.usage, EXIT.SIGINT, EXIT.SIGTERM],
  );
};
