// TLS on the HTTP API (https:// server) and on the gRPC client port (tls.enabled; MSE's TLSEnabled), against the
// simulator serving TLS with certificates made for this run by openssl (test/nacos/support/certs.ts).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  NACOS_STEPS,
  NacosConfig,
  type NacosConfigInput,
  NacosReport,
  renderNacosText,
  runNacosCheck,
} from '../../shared/nacos/index.ts';
import {
  type NacosTestServer,
  type NacosTestServerOptions,
  startNacosTestServer,
} from '../../shared/simulate/nacos/index.ts';
import { MseWatchError } from '../../shared/util/errors.ts';
import { runCliCapture } from '../support/cli.ts';
import { makeTestPki, type TestPki, untrustedServer } from './support/certs.ts';

const USER = { username: 'nacos', password: 'tls-test-pw' };

let pki: TestPki;
const servers: NacosTestServer[] = [];
beforeAll(() => {
  pki = makeTestPki();
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  pki?.close();
});

const start = async (options: NacosTestServerOptions) => {
  const server = await startNacosTestServer({ auth: USER, ...options });
  servers.push(server);
  return server;
};

const config = (server: NacosTestServer, extra: Partial<NacosConfigInput>, scheme = 'https') =>
  NacosConfig.parse({
    server: `${scheme}://127.0.0.1:${server.port}`,
    grpcPort: server.grpcPort,
    timeout: 2000,
    ...USER,
    ...extra,
  });

const summary = (report: NacosReport) =>
  Object.fromEntries(report.steps.map((s) => [s.name, s.error ? `${s.status}:${s.error.code}` : s.status]));
const allOk = Object.fromEntries(NACOS_STEPS.map((name) => [name, 'ok']));
const step = (report: NacosReport, name: string) => report.steps.find((s) => s.name === name);

describe.each(['2.5.1', '3.1', '3.2'])('Nacos %s serving TLS on HTTP and gRPC', (version) => {
  let server: NacosTestServer;
  beforeAll(async () => {
    server = await start({ version, tls: { cert: pki.server.cert, key: pki.server.key } });
  });

  it('passes every step with the CA from a file; the report says how certificates were checked', async () => {
    expect(server.url).toMatch(/^https:\/\//);
    const report = NacosReport.parse(
      await runNacosCheck(config(server, { tls: { caFile: pki.ca.certFile } })),
    );
    expect(summary(report)).toEqual(allOk);
    expect(report.tls).toEqual({ http: true, grpc: true, verify: 'ca' });
    expect(step(report, 'grpc-server-check')?.detail).toContain(
      'over TLS, certificate verified against tls.ca',
    );
    expect(server.state()).toEqual({ configs: 0, instances: 0 });
  });

  it('fails liveness and the gRPC check with class tls when the certificate is not trusted', async () => {
    // the system roots do not know the test CA
    const report = await runNacosCheck(config(server, {}));
    expect(summary(report)).toMatchObject({ liveness: 'failed:tls', 'grpc-server-check': 'failed:tls' });
    expect(step(report, 'liveness')?.error?.message).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
  });
});

describe('certificate names, trust and mutual TLS', () => {
  it('a certificate for a name only: by IP it fails, with servername it passes on both sides', async () => {
    const server = await start({ version: '3.2', tls: { cert: pki.nameOnly.cert, key: pki.nameOnly.key } });
    const byIp = await runNacosCheck(config(server, { tls: { ca: pki.ca.cert } }));
    expect(summary(byIp)).toMatchObject({ liveness: 'failed:tls', 'grpc-server-check': 'failed:tls' });
    expect(step(byIp, 'liveness')?.error?.message).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
    const named = await runNacosCheck(config(server, { tls: { ca: pki.ca.cert, servername: 'nacos.test' } }));
    expect(summary(named)).toEqual(allOk);
    expect(named.tls).toEqual({ http: true, grpc: true, verify: 'ca', servername: 'nacos.test' });
    expect(step(named, 'grpc-server-check')?.detail).toContain('for nacos.test');
  });

  it('a server certificate from another CA fails even with tls.ca', async () => {
    const other = untrustedServer(pki);
    const server = await start({ tls: { cert: other.cert, key: other.key } });
    const report = await runNacosCheck(config(server, { tls: { caFile: pki.ca.certFile } }));
    expect(summary(report)).toMatchObject({ liveness: 'failed:tls', 'grpc-server-check': 'failed:tls' });
  });

  it('insecureSkipVerify passes, and both the report and the text output say nothing was verified', async () => {
    const other = untrustedServer(pki);
    const server = await start({ version: '3.1', tls: { cert: other.cert, key: other.key } });
    const report = await runNacosCheck(config(server, { tls: { insecureSkipVerify: true } }));
    expect(summary(report)).toEqual(allOk);
    expect(report.tls?.verify).toBe('off');
    expect(step(report, 'grpc-server-check')?.detail).toContain('NOT verified');
    expect(renderNacosText(report, { color: false })).toContain('NOT verified');
  });

  it('mutual TLS: refused without a client certificate, passes with one; the key never shows', async () => {
    const server = await start({
      version: '3.2',
      tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.ca.cert },
    });
    const without = await runNacosCheck(config(server, { tls: { ca: pki.ca.cert } }));
    expect(summary(without)).toMatchObject({ liveness: 'failed:tls', 'grpc-server-check': 'failed:tls' });
    const inline = await runNacosCheck(
      config(server, { tls: { ca: pki.ca.cert, cert: pki.client.cert, key: pki.client.key } }),
    );
    expect(summary(inline)).toEqual(allOk);
    expect(JSON.stringify(inline)).not.toContain(pki.client.key.split('\n')[1]);
    const files = await runNacosCheck(
      config(server, {
        tls: { caFile: pki.ca.certFile, certFile: pki.client.certFile, keyFile: pki.client.keyFile },
      }),
    );
    expect(summary(files)).toEqual(allOk);
  });
});

describe('TLS on one side only', () => {
  it('gRPC over TLS with plain HTTP (MSE TLSEnabled covers the gRPC link)', async () => {
    const server = await start({
      version: '3.1',
      tls: { cert: pki.server.cert, key: pki.server.key, http: false },
    });
    expect(server.url).toMatch(/^http:\/\//);
    const report = await runNacosCheck(config(server, { tls: { enabled: true, ca: pki.ca.cert } }, 'http'));
    expect(summary(report)).toEqual(allOk);
    expect(report.tls).toEqual({ http: false, grpc: true, verify: 'ca' });
  });

  it('a plaintext gRPC client at a TLS port: failed, with the hint to set tls.enabled', async () => {
    const server = await start({
      version: '3.2',
      tls: { cert: pki.server.cert, key: pki.server.key, http: false },
    });
    const report = await runNacosCheck(config(server, {}, 'http'));
    expect(summary(report)).toMatchObject({ liveness: 'ok', 'grpc-server-check': 'failed:protocol' });
    expect(step(report, 'grpc-server-check')?.error?.message).toContain('set tls.enabled: true');
  });

  it('a TLS client at plaintext ports: class tls, with the hint that the port speaks plaintext', async () => {
    const server = await start({ version: '3.2' });
    const report = await runNacosCheck(config(server, { tls: { ca: pki.ca.cert } }));
    expect(summary(report)).toMatchObject({ liveness: 'failed:tls', 'grpc-server-check': 'failed:tls' });
    expect(step(report, 'liveness')?.error?.message).toContain('use http://');
    expect(step(report, 'grpc-server-check')?.error?.message).toContain('set tls.enabled: false');
  });

  it('plain HTTP at a TLS port: the closed connection says to use https://', async () => {
    const server = await start({ version: '3.2', tls: { cert: pki.server.cert, key: pki.server.key } });
    const report = await runNacosCheck(config(server, { tls: { enabled: true, ca: pki.ca.cert } }, 'http'));
    expect(summary(report)).toMatchObject({ liveness: 'failed:protocol', 'grpc-server-check': 'ok' });
    expect(step(report, 'liveness')?.error?.message).toContain('use https://');
  });
});

describe('bad TLS input: a clear error naming the field, before any request', () => {
  it.each([
    { tls: { ca: 'not a pem' }, message: /"ca"\].*BEGIN CERTIFICATE/ },
    { tls: { ca: 'x', caFile: '/x' }, message: /give ca or caFile, not both/ },
    { tls: { certFile: '/c.pem' }, message: /client certificate needs its key/ },
    { tls: { insecureSkipVerify: true, caFile: '/ca.pem' }, message: /insecureSkipVerify ignores ca/ },
    { tls: { servername: 'nacos.test' }, http: true, message: /TLS options are set but TLS is off/ },
  ])('$message', ({ tls, http, message }) => {
    const result = NacosConfig.safeParse({
      server: http ? 'http://127.0.0.1:8848' : 'https://127.0.0.1:8848',
      tls,
    });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toMatch(message);
  });

  it('an unreadable caFile throws MseWatchError (exit 2) naming nacos.tls.caFile', async () => {
    const attempt = runNacosCheck(
      NacosConfig.parse({ server: 'https://127.0.0.1:1', tls: { caFile: join(pki.dir, 'missing.pem') } }),
    );
    await expect(attempt).rejects.toBeInstanceOf(MseWatchError);
    await expect(attempt).rejects.toThrow(/nacos\.tls\.caFile: cannot read .*missing\.pem \(ENOENT\)/);
  });

  it('a keyFile without a key in it is refused', async () => {
    const attempt = runNacosCheck(
      NacosConfig.parse({
        server: 'https://127.0.0.1:1',
        tls: { certFile: pki.client.certFile, keyFile: pki.client.certFile },
      }),
    );
    await expect(attempt).rejects.toThrow(/nacos\.tls\.keyFile: .* holds no PEM private key/);
  });
});

describe('mse-watch nacos --config with a tls section', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mse-watch-nacos-tls-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('exit 0, TLS in the JSON report, the client key printed nowhere', async () => {
    const server = await start({
      version: '3.2',
      tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.ca.cert },
    });
    const file = join(dir, 'nacos.yaml');
    await writeFile(
      file,
      stringify({
        nacos: {
          server: `https://127.0.0.1:${server.port}`,
          grpcPort: server.grpcPort,
          username: USER.username,
          // biome-ignore lint/suspicious/noTemplateCurlyInString: the config loader's ${env:NAME} syntax, literally
          password: '${env:TLS_TEST_PW}',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: the config loader's ${env:NAME} syntax, literally
          tls: { caFile: pki.ca.certFile, certFile: pki.client.certFile, key: '${env:TLS_TEST_KEY}' },
        },
      }),
    );
    const run = await runCliCapture(['nacos', '--config', file, '--json'], {
      TLS_TEST_PW: USER.password,
      TLS_TEST_KEY: pki.client.key,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = NacosReport.parse(JSON.parse(run.stdout));
    expect(report.tls).toEqual({ http: true, grpc: true, verify: 'ca' });
    expect(report.generation).toBe('3.2+');
    for (const secret of [USER.password, pki.client.key.split('\n')[1] ?? '']) {
      expect(run.stdout).not.toContain(secret);
      expect(run.stderr).not.toContain(secret);
    }
  });
});

/** `mse-watch nacos` against `server` with the flags, its JSON report, and no secret in its output. */
const nacosCli = async (server: NacosTestServer, scheme: 'http' | 'https', ...flags: string[]) => {
  const run = await runCliCapture(
    [
      'nacos',
      '--server',
      `${scheme}://127.0.0.1:${server.port}`,
      '--grpc-port',
      String(server.grpcPort),
      '-u',
      USER.username,
      '--timeout',
      '2s',
      '--json',
      ...flags,
    ],
    { NACOS_PASSWORD: USER.password, NO_COLOR: '1' },
  );
  const report = run.stdout ? NacosReport.parse(JSON.parse(run.stdout)) : undefined;
  for (const secret of [USER.password, pki.client.key.split('\n')[1] ?? '']) {
    expect(run.stdout).not.toContain(secret);
    expect(run.stderr).not.toContain(secret);
  }
  return { ...run, report };
};
const statusOf = (report: NacosReport | undefined) =>
  Object.fromEntries(
    report?.steps.map((s) => [s.name, s.error ? `${s.status}:${s.error.code}` : s.status]) ?? [],
  );

describe('mse-watch nacos TLS flags: --grpc-tls/--no-grpc-tls, --tls-ca, --tls-cert/--tls-key, --tls-servername, --tls-insecure', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mse-watch-nacos-flags-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('--tls-ca with --tls-cert/--tls-key: mutual TLS on HTTP and gRPC, certificates checked against the CA', async () => {
    const server = await start({
      version: '3.2',
      tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.ca.cert },
    });
    const without = await nacosCli(server, 'https', '--tls-ca', pki.ca.certFile);
    expect(without.code).toBe(1);
    expect(statusOf(without.report).liveness).toBe('failed:tls');
    const run = await nacosCli(
      server,
      'https',
      '--tls-ca',
      pki.ca.certFile,
      '--tls-cert',
      pki.client.certFile,
      '--tls-key',
      pki.client.keyFile,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.report?.tls).toEqual({ http: true, grpc: true, verify: 'ca' });
  });

  it('--tls-servername checks a certificate that names only a host name, when checking by IP', async () => {
    const server = await start({ version: '3.1', tls: { cert: pki.nameOnly.cert, key: pki.nameOnly.key } });
    const byIp = await nacosCli(server, 'https', '--tls-ca', pki.ca.certFile);
    expect(statusOf(byIp.report)).toMatchObject({
      liveness: 'failed:tls',
      'grpc-server-check': 'failed:tls',
    });
    const named = await nacosCli(
      server,
      'https',
      '--tls-ca',
      pki.ca.certFile,
      '--tls-servername',
      'nacos.test',
    );
    expect(named.code).toBe(0);
    expect(named.report?.tls).toEqual({ http: true, grpc: true, verify: 'ca', servername: 'nacos.test' });
  });

  it('--tls-insecure accepts an untrusted certificate, says so, and wins over a CA from the file', async () => {
    const untrusted = untrustedServer(pki);
    const server = await start({ version: '3.2', tls: { cert: untrusted.cert, key: untrusted.key } });
    const file = join(dir, 'ca-in-file.yaml');
    await writeFile(
      file,
      stringify({ nacos: { server: `https://127.0.0.1:${server.port}`, tls: { caFile: pki.ca.certFile } } }),
    );
    const run = await nacosCli(server, 'https', '--config', file, '--tls-insecure');
    expect(run.code).toBe(0);
    expect(run.report?.tls).toMatchObject({ verify: 'off' });
    const text = await runCliCapture(
      ['nacos', '--config', file, '--grpc-port', String(server.grpcPort), '--tls-insecure', '-u', 'nacos'],
      { NACOS_PASSWORD: USER.password, NO_COLOR: '1' },
    );
    expect(text.stdout).toContain('TLS certificates were NOT verified (tls.insecureSkipVerify)');
  });

  it('--grpc-tls: plain HTTP with TLS gRPC (the usual MSE set-up); --no-grpc-tls: the reverse', async () => {
    const grpcOnly = await start({
      version: '2.5.1',
      tls: { cert: pki.server.cert, key: pki.server.key, http: false, grpc: true },
    });
    const plain = await nacosCli(grpcOnly, 'http');
    expect(statusOf(plain.report)['grpc-server-check']).toMatch(/^failed:/);
    const tls = await nacosCli(grpcOnly, 'http', '--grpc-tls', '--tls-ca', pki.ca.certFile);
    expect(tls.code).toBe(0);
    expect(tls.report?.tls).toEqual({ http: false, grpc: true, verify: 'ca' });

    const httpOnly = await start({
      version: '2.5.1',
      tls: { cert: pki.server.cert, key: pki.server.key, http: true, grpc: false },
    });
    const both = await nacosCli(httpOnly, 'https', '--tls-ca', pki.ca.certFile);
    expect(statusOf(both.report)['grpc-server-check']).toMatch(/^failed:/);
    const off = await nacosCli(httpOnly, 'https', '--tls-ca', pki.ca.certFile, '--no-grpc-tls');
    expect(off.code).toBe(0);
    expect(off.report?.tls).toEqual({ http: true, grpc: false, verify: 'ca' });
  });

  it('a file flag replaces the inline PEM of its pair in the file (no "give key or keyFile" conflict)', async () => {
    const server = await start({
      version: '3.2',
      tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.ca.cert },
    });
    // the file holds another CA and another key inline; the flags name the right files
    const file = join(dir, 'inline.yaml');
    await writeFile(
      file,
      stringify({
        nacos: {
          server: `https://127.0.0.1:${server.port}`,
          tls: { ca: pki.otherCa.cert, cert: pki.otherCa.cert, key: pki.otherCa.key },
        },
      }),
    );
    const run = await nacosCli(
      server,
      'https',
      '--config',
      file,
      '--tls-ca',
      pki.ca.certFile,
      '--tls-cert',
      pki.client.certFile,
      '--tls-key',
      pki.client.keyFile,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.report?.tls).toMatchObject({ verify: 'ca' });
  });

  it('TLS flags with TLS off on both sides: exit 2, saying how to turn it on', async () => {
    const server = await start({ version: '2.5.1' });
    const run = await nacosCli(server, 'http', '--tls-ca', pki.ca.certFile);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'mse-watch: nacos: the --tls-* flags need TLS on a side: an https:// --server (HTTP), or --grpc-tls (gRPC)\n',
    );
    // a file that cannot be read names the field
    const missing = await nacosCli(server, 'https', '--tls-ca', join(dir, 'nope.pem'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^mse-watch: nacos\.tls\.caFile: cannot read .*nope\.pem \(ENOENT\)/);
  });
});
