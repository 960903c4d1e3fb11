import { Option } from 'commander';
import { parseConfig } from '../../shared/config/load.ts';
import { NacosConfig, type NacosConfigInput } from '../../shared/nacos/config.ts';
import { renderNacosText } from '../../shared/nacos/render.ts';
import { MseWatchError } from '../../shared/util/errors.ts';
import type { Registrar } from '../command.ts';
import { loadDiscovered, loadOptions } from '../config.ts';
import { EXIT, exitForSignal } from '../exit.ts';
import { teach } from '../help.ts';
import { stopOn, write } from '../io.ts';
import { configOption, duration, integer, regionOption } from '../options.ts';
import { credentialsError } from '../remote.ts';
import { colorFor } from '../render.ts';

type NacosFlags = {
  server?: string;
  instanceId?: string;
  region?: string;
  api?: 'auto' | 'v1' | 'v3';
  grpcTls?: boolean;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsServername?: string;
  tlsInsecure?: boolean;
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

type TlsInput = NonNullable<NacosConfigInput['tls']>;

/**
 * The TLS flags over the file's `nacos.tls`: a file flag replaces the file's inline PEM of the same pair (and the
 * other way round would be a contradiction the schema names), `--tls-ca` and `--tls-insecure` each drop what in
 * the file contradicts them, the rest is kept. Undefined when neither says anything.
 */
export const overlayTls = (file: TlsInput | undefined, flags: NacosFlags): TlsInput | undefined => {
  const given =
    flags.grpcTls !== undefined ||
    flags.tlsCa !== undefined ||
    flags.tlsCert !== undefined ||
    flags.tlsKey !== undefined ||
    flags.tlsServername !== undefined ||
    flags.tlsInsecure !== undefined;
  if (!given) return file;
  const tls: TlsInput = { ...file };
  if (flags.grpcTls !== undefined) tls.enabled = flags.grpcTls;
  if (flags.tlsCa !== undefined) {
    delete tls.ca;
    tls.caFile = flags.tlsCa;
    if (!flags.tlsInsecure) delete tls.insecureSkipVerify;
  }
  if (flags.tlsInsecure) {
    tls.insecureSkipVerify = true;
    if (flags.tlsCa === undefined) {
      delete tls.ca;
      delete tls.caFile;
    }
  }
  if (flags.tlsCert !== undefined) {
    delete tls.cert;
    tls.certFile = flags.tlsCert;
  }
  if (flags.tlsKey !== undefined) {
    delete tls.key;
    tls.keyFile = flags.tlsKey;
  }
  if (flags.tlsServername !== undefined) tls.servername = flags.tlsServername;
  return tls;
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
    .addOption(
      new Option(
        '-s, --server <host[:port]>',
        'Nacos server, e.g. mse-xxx-nacos-ans.mse.aliyuncs.com:8848 or https://10.0.0.5:8848',
      ).conflicts('instanceId'),
    )
    .option(
      '--instance-id <id>',
      'an MSE Nacos instance instead of --server: its intranet address is read through the OpenAPI (your Alibaba Cloud credentials; $MSE_WATCH_OPENAPI_ENDPOINT for another endpoint)',
    )
    .addOption(
      Object.assign(regionOption(), {
        description:
          "with --instance-id: the instance's region, e.g. cn-hangzhou (default: the config's region, else $ALIBABA_CLOUD_REGION_ID)",
      }),
    )
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
    .addOption(
      new Option(
        '--api <api>',
        'HTTP API of the round trips: auto picks one by the server generation, v1 or v3 pins it (default: auto, or nacos.api)',
      ).choices(['auto', 'v1', 'v3']),
    )
    .option('--grpc-tls', 'TLS on the gRPC port (default: on for an https:// server, or nacos.tls.enabled)')
    .option('--no-grpc-tls', 'plaintext gRPC even with an https:// server')
    .option('--tls-ca <file>', 'PEM CA certificates to trust instead of the system roots')
    .option(
      '--tls-cert <file>',
      'PEM client certificate, for a server that requires mutual TLS (with --tls-key)',
    )
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option(
      '--tls-servername <name>',
      'the name the server certificate must carry (and the SNI), e.g. when checking by IP',
    )
    .option(
      '--tls-insecure',
      'accept any certificate (the report says so); for a first test, not for monitoring',
    )
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
      // an empty variable is an unset one (`NACOS_PASSWORD= mse-watch nacos ...`)
      const pick = (key: keyof typeof ENV_FALLBACKS) =>
        flags[key] ?? fromFile[key] ?? (io.env[ENV_FALLBACKS[key]] || undefined);
      // --server and --instance-id each replace whichever of the two the file has
      const server = flags.server ?? (flags.instanceId ? undefined : fromFile.server);
      const instanceId = flags.instanceId ?? (flags.server ? undefined : fromFile.instanceId);
      if (!server && !instanceId) {
        throw new MseWatchError(
          'usage',
          "nacos: give --server HOST[:PORT] or --instance-id ID, or a config file (--config) with a 'nacos:' section",
        );
      }
      const region = flags.region ?? base?.region ?? io.env.ALIBABA_CLOUD_REGION_ID;
      if (instanceId && !region)
        throw new MseWatchError(
          'usage',
          `nacos: --instance-id ${instanceId} is looked up in a region: give --region (e.g. cn-hangzhou), or region: in the config`,
        );
      const tls = overlayTls(fromFile.tls, flags);
      const tlsFlag =
        flags.tlsCa ?? flags.tlsCert ?? flags.tlsKey ?? flags.tlsServername ?? flags.tlsInsecure;
      if (tlsFlag !== undefined && !/^https:\/\//i.test(server ?? '') && tls?.enabled !== true)
        throw new MseWatchError(
          'usage',
          'nacos: the --tls-* flags need TLS on a side: an https:// --server (HTTP), or --grpc-tls (gRPC)',
        );
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
        instanceId,
        tls,
        ...(flags.api === undefined ? {} : { api: flags.api }),
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
        { ...base, ...(region ? { region } : {}), nacos: merged },
        { ...loadOptions(io), source: base ? 'the config with flags' : 'flags' },
      );
      if (!config.nacos) throw new Error('nacos section vanished in parsing');
      const stop = stopOn(io);
      // an instance id is read through the OpenAPI first, with the user's credentials; one that cannot be read
      // is a one-line error (exit 2), not a failed check
      const [{ runNacosPart }, { credentialSourceFromEnv }] = await Promise.all([
        import('../../shared/run/nacos-part.ts'),
        import('../../shared/aliyun/credential-source.ts'),
      ]);
      const part = await runNacosPart(
        config,
        {
          credentials: credentialSourceFromEnv(io.env),
          ...(io.env.MSE_WATCH_OPENAPI_ENDPOINT
            ? { openApiEndpoint: io.env.MSE_WATCH_OPENAPI_ENDPOINT }
            : {}),
        },
        { signal: stop.signal },
        { unresolved: 'throw' },
      ).catch((error: unknown) => {
        throw credentialsError(error, io);
      });
      if (!part) throw new Error('nacos section vanished in parsing');
      const report = part.report;
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
        'mse-watch nacos --instance-id mse-cn-abc123 --region cn-hangzhou -u nacos',
        'an MSE instance by id: its intranet address is read through the OpenAPI with your credentials',
      ],
      [
        'mse-watch nacos --server https://10.0.0.5:8848 --tls-ca ca.pem --tls-servername nacos.internal',
        'HTTPS and TLS gRPC, trusting your CA, the certificate checked for its name',
      ],
      [
        'mse-watch nacos --server 127.0.0.1:8848 --timeout 2s',
        'a local server, a shorter per-request timeout',
      ],
    ],
    [EXIT.ok, EXIT.problem, EXIT.usage, EXIT.SIGINT, EXIT.SIGTERM],
  );
};
