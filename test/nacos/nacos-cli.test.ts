// `mse-watch nacos`: the --json contract, exit codes, config file and env secrets, secrets never printed.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { overlayTls } from '../../cli/commands/nacos.ts';
import { NACOS_STEPS, NacosReport } from '../../shared/nacos/index.ts';
import { type NacosTestServer, NO_FAULTS, startNacosTestServer } from '../../shared/simulate/nacos/index.ts';
import { runCliCapture } from '../support/cli.ts';

const PASSWORD = 'Cli-Secret-Passw0rd';
const SECRET_KEY = 'Cli-Ram-Secret-Key';

let server: NacosTestServer;
let ramServer: NacosTestServer;
let dir: string;

beforeAll(async () => {
  server = await startNacosTestServer({ auth: { username: 'nacos', password: PASSWORD } });
  ramServer = await startNacosTestServer({ ram: { accessKey: 'LTAI-cli', secretKey: SECRET_KEY } });
  dir = await mkdtemp(join(tmpdir(), 'mse-watch-nacos-cli-'));
});
afterAll(async () => {
  await server?.close();
  await ramServer?.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await server.setFaults(NO_FAULTS);
});

const target = (s: NacosTestServer) => ['--server', `127.0.0.1:${s.port}`, '--grpc-port', String(s.grpcPort)];
const noSecrets = (run: { stdout: string; stderr: string }) => {
  for (const secret of [PASSWORD, SECRET_KEY]) {
    expect(run.stdout).not.toContain(secret);
    expect(run.stderr).not.toContain(secret);
  }
};

describe('mse-watch nacos --json', () => {
  it('prints one document with the contract keys and step names; exit 0', async () => {
    const run = await runCliCapture(['nacos', ...target(server), '-u', 'nacos', '-p', PASSWORD, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const raw = JSON.parse(run.stdout) as Record<string, unknown>;
    for (const key of ['server', 'version', 'ok', 'durationMs', 'steps']) expect(raw).toHaveProperty(key);
    const report = NacosReport.parse(raw);
    expect(report.server).toBe(`127.0.0.1:${server.port}`);
    expect(report.steps.map((s) => s.name)).toEqual([...NACOS_STEPS]);
    for (const step of report.steps) {
      expect(
        Object.keys(step).every((k) => ['name', 'status', 'latencyMs', 'detail', 'error'].includes(k)),
      ).toBe(true);
      expect(['ok', 'degraded', 'failed', 'skipped']).toContain(step.status);
    }
    expect(report.ok).toBe(true);
    noSecrets(run);
    expect(server.state()).toEqual({ configs: 0, instances: 0 });
  });

  it('exit 1 when a step failed, with its class; the wrong password is not printed', async () => {
    const run = await runCliCapture([
      'nacos',
      ...target(server),
      '-u',
      'nacos',
      '-p',
      `${PASSWORD}-typo`,
      '--json',
    ]);
    expect(run.code).toBe(1);
    const report = NacosReport.parse(JSON.parse(run.stdout));
    expect(report.ok).toBe(false);
    expect(report.steps.find((s) => s.name === 'login')?.error?.code).toBe('auth');
    expect(run.stdout).not.toContain(`${PASSWORD}-typo`);
    noSecrets(run);
  });

  it('exit 0 with a degraded step (a node DOWN is not a failure)', async () => {
    await server.setFaults({ nodeDown: true });
    const run = await runCliCapture(['nacos', ...target(server), '--json'], {
      NACOS_USERNAME: 'nacos',
      NACOS_PASSWORD: PASSWORD,
    });
    expect(run.code).toBe(0);
    const report = NacosReport.parse(JSON.parse(run.stdout));
    expect(report.steps.find((s) => s.name === 'cluster')?.status).toBe('degraded');
    noSecrets(run);
  });
});

describe('secrets from the environment and the config file', () => {
  it('takes the password from NACOS_PASSWORD', async () => {
    const run = await runCliCapture(['nacos', ...target(server), '-u', 'nacos', '--json'], {
      NACOS_PASSWORD: PASSWORD,
    });
    expect(run.code).toBe(0);
    expect(NacosReport.parse(JSON.parse(run.stdout)).steps.find((s) => s.name === 'login')?.status).toBe(
      'ok',
    );
    noSecrets(run);
  });

  it('takes RAM keys from the environment', async () => {
    const run = await runCliCapture(['nacos', ...target(ramServer), '--json'], {
      NACOS_ACCESS_KEY: 'LTAI-cli',
      NACOS_SECRET_KEY: SECRET_KEY,
    });
    expect(run.code).toBe(0);
    expect(NacosReport.parse(JSON.parse(run.stdout)).steps.find((s) => s.name === 'login')?.detail).toContain(
      'RAM',
    );
    noSecrets(run);
  });

  it("reads the config file's nacos: section with an env-interpolated secret; text output has a Nacos section", async () => {
    const file = join(dir, 'nacos.yaml');
    await writeFile(
      file,
      stringify({
        nacos: {
          server: `127.0.0.1:${server.port}`,
          grpcPort: server.grpcPort,
          username: 'nacos',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: the config loader's ${env:NAME} syntax, literally
          password: '${env:MY_NACOS_PW}',
          timeout: 2000,
          canary: { group: 'CLI_CANARY', ephemeral: true },
        },
      }),
    );
    const run = await runCliCapture(['nacos', '--config', file], { MY_NACOS_PW: PASSWORD });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Nacos 127\.0\.0\.1:\d+ · Nacos 2\.5\.1 · OK/);
    for (const name of NACOS_STEPS) expect(run.stdout).toContain(name);
    expect(run.stdout).toContain('CLI_CANARY');
    expect(run.stdout).toContain('ephemeral');
    noSecrets(run);
  });
});

describe('usage errors exit 2', () => {
  it.each([
    { name: 'no server at all', argv: ['nacos'], message: /--server/ },
    {
      name: 'a password without a user',
      argv: ['nacos', '--server', '127.0.0.1:1', '-p', PASSWORD],
      message: /username/,
    },
    {
      name: 'both kinds of credentials',
      argv: [
        'nacos',
        '--server',
        '127.0.0.1:1',
        '-u',
        'a',
        '-p',
        PASSWORD,
        '--access-key',
        'k',
        '--secret-key',
        SECRET_KEY,
      ],
      message: /choose one authentication/,
    },
    {
      name: 'a port that is not a number',
      argv: ['nacos', '--server', '127.0.0.1:1', '--grpc-port', 'x'],
      message: /grpc-port/,
    },
    {
      name: 'a server URL that is not http(s)',
      argv: ['nacos', '--server', 'ftp://host'],
      message: /nacos\.server: only http/,
    },
  ])('$name', async ({ argv, message }) => {
    const run = await runCliCapture(argv);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
    noSecrets(run);
  });
});

describe('--api pins the HTTP API of the round trips', () => {
  it('v1 against 3.2 fails (its v1 APIs are gone), v3 and auto pass', async () => {
    const server = await startNacosTestServer({
      version: '3.2',
      auth: { username: 'nacos', password: PASSWORD },
    });
    const apiRun = async (api: string) => {
      const run = await runCliCapture(
        ['nacos', ...target(server), '-u', 'nacos', '--timeout', '2s', '--json', '--api', api],
        { NACOS_PASSWORD: PASSWORD },
      );
      noSecrets(run);
      return { ...run, report: run.stdout ? NacosReport.parse(JSON.parse(run.stdout)) : undefined };
    };
    const statusOf = (report: NacosReport | undefined) =>
      Object.fromEntries(
        report?.steps.map((s) => [s.name, s.error ? `${s.status}:${s.error.code}` : s.status]) ?? [],
      );
    try {
      const v1 = await apiRun('v1');
      expect(v1.code).toBe(1);
      expect(v1.report?.apis?.['config-roundtrip']).toBe('v1');
      expect(statusOf(v1.report)['config-roundtrip']).toMatch(/^failed:/);
      for (const api of ['v3', 'auto']) {
        const run = await apiRun(api);
        expect(run.code).toBe(0);
        expect(run.report?.apis?.['config-roundtrip']).toBe('v3');
      }
      const bad = await apiRun('v2');
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--api/);
      expect(bad.stderr).toMatch(/auto, v1, v3/);
    } finally {
      await server.close();
    }
  });
});

describe('overlayTls', () => {
  it.each([
    [{}, undefined, undefined],
    [{ grpcTls: false }, { ca: 'X' }, { ca: 'X', enabled: false }],
    [{ tlsCa: 'ca.pem' }, { ca: 'X', insecureSkipVerify: true }, { caFile: 'ca.pem' }],
    [
      { tlsInsecure: true },
      { caFile: 'ca.pem', servername: 'n' },
      { insecureSkipVerify: true, servername: 'n' },
    ],
    [
      { tlsKey: 'k.pem', tlsCert: 'c.pem' },
      { key: 'K', cert: 'C' },
      { keyFile: 'k.pem', certFile: 'c.pem' },
    ],
    [{ tlsServername: 'nacos.internal' }, undefined, { servername: 'nacos.internal' }],
  ])('%j over %j gives %j', (flags, file, expected) => {
    expect(overlayTls(file, flags)).toEqual(expected);
  });
});
